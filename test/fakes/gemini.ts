/**
 * A fake of the Gemini API (Generative Language API v1beta) speaking the public wire protocol,
 * so the real `@google/generative-ai` client can be pointed at it via `requestOptions.baseUrl`.
 *
 * Wire details reproduced from the real service:
 * - errors use the google.rpc shape `{ error: { code, message, status, details? } }`;
 * - a wrong key is 400 INVALID_ARGUMENT with an ErrorInfo `API_KEY_INVALID`, a missing key is
 *   403 PERMISSION_DENIED;
 * - 429 RESOURCE_EXHAUSTED carries QuotaFailure, Help and RetryInfo details. The real API also
 *   sends a short RetryInfo when the *daily* quota is spent, so callers must classify by
 *   `quotaId`, not by the presence of RetryInfo; the fake does the same on purpose;
 * - streaming (`?alt=sse`) sends `data: <GenerateContentResponse>\r\n\r\n` events, with
 *   `finishReason` only on the last one and cumulative `usageMetadata` on each.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sleepUntilAborted } from "./sleep.js";

export interface FakeGeminiRequest {
  model: string;
  stream: boolean;
  body: unknown;
  /** All text parts of user-role contents, joined with "\n". */
  text: string;
  apiKey: string | null;
}

export type FakeGeminiReply =
  | string
  | { text: string; delayMs?: number }
  | { status: number; error: { message: string; status: string; details?: unknown[] } };

export interface FakeGeminiOptions {
  /** Accepted key (default "test-key"). */
  apiKey?: string;
  models?: string[];
  /** Used when a model has no scripted reply left; default replies "OK". */
  reply?: (req: FakeGeminiRequest) => FakeGeminiReply | Promise<FakeGeminiReply>;
  /** Per-model requests per minute (sliding 60 s window). */
  rpmLimit?: number;
  /** Per-model requests per day (24 h window from the first counted request). */
  rpdLimit?: number;
  port?: number;
  /** Clock used for the quota windows; lets tests move time without waiting. */
  now?: () => number;
}

export interface FakeGemini {
  /** Base URL for the client (`requestOptions.baseUrl`, i.e. what GEMINI_BASE_URL would be). */
  url: string;
  /** Every generateContent / streamGenerateContent call, including rejected ones. */
  requests: FakeGeminiRequest[];
  /** Queue replies for a model; they are consumed before `options.reply`. */
  script(model: string, replies: FakeGeminiReply[]): void;
  /** Fail every generate call with this status (e.g. 503) until called with null. */
  outage(status: number | null): void;
  resetQuotas(): void;
  close(): Promise<void>;
}

const DEFAULT_MODELS = ["gemini-2.5-flash-lite", "gemini-2.5-flash", "gemini-2.5-pro"];
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const RATE_LIMITS_URL = "https://ai.google.dev/gemini-api/docs/rate-limits";
const QUOTA_METRIC = "generativelanguage.googleapis.com/generate_content_free_tier_requests";

/** google.rpc.Code names for the HTTP statuses the API maps them to. */
const RPC_STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const OUTAGE_MESSAGE: Record<number, string> = {
  500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  503: "The model is overloaded. Please try again later.",
  504: "The request timed out. Please try again.",
};

interface RpcError {
  status: number;
  error: { message: string; status: string; details?: unknown[] };
}

class HttpError extends Error {
  constructor(readonly rpc: RpcError) {
    super(rpc.error.message);
  }
}

function rpcError(status: number, message: string, details?: unknown[]): HttpError {
  const error = { message, status: RPC_STATUS[status] ?? "UNKNOWN", ...(details && { details }) };
  return new HttpError({ status, error });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function textParts(content: unknown): string[] {
  if (!isRecord(content) || !Array.isArray(content.parts)) return [];
  return content.parts.flatMap((part: unknown) =>
    isRecord(part) && typeof part.text === "string" ? [part.text] : [],
  );
}

/** Rough tokenizer stand-in (~4 characters per token, like Gemini's own estimate for English). */
function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Splits on word boundaries into at most four chunks that concatenate back to `text`. */
function streamChunks(text: string): string[] {
  const words = text.match(/\s*\S+\s*/g);
  if (!words || words.length < 2) return [text];
  const size = Math.ceil(words.length / 4);
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += size) chunks.push(words.slice(i, i + size).join(""));
  return chunks;
}

function modelInfo(model: string) {
  const label = model
    .replace(/^gemini-/, "Gemini ")
    .replace(/-lite\b/, "-Lite")
    .replace(/-(flash|pro)\b/, (_, word: string) => ` ${word[0]?.toUpperCase()}${word.slice(1)}`);
  return {
    name: `models/${model}`,
    version: "001",
    displayName: label,
    description: `Fake ${label}`,
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 65_536,
    supportedGenerationMethods: [
      "generateContent",
      "countTokens",
      "createCachedContent",
      "batchGenerateContent",
    ],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    thinking: true,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, { status, error }: RpcError): void {
  sendJson(res, status, { error: { code: status, ...error } });
}

/** The API accepts the key as a header (what the SDK sends) or as `?key=` (what curl examples use). */
function apiKeyOf(req: IncomingMessage, url: URL): string | null {
  const header = req.headers["x-goog-api-key"];
  return (Array.isArray(header) ? header[0] : header) || url.searchParams.get("key") || null;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const acceptedKey = options.apiKey ?? "test-key";
  const models = options.models ?? DEFAULT_MODELS;
  const now = options.now ?? Date.now;
  const requests: FakeGeminiRequest[] = [];
  const scripts = new Map<string, FakeGeminiReply[]>();
  const minuteLog = new Map<string, number[]>();
  const dayLog = new Map<string, { start: number; count: number }>();
  let outageStatus: number | null = null;
  // Lets close() cut short replies that are waiting out a delayMs.
  const shutdown = new AbortController();

  const sleep = sleepUntilAborted(shutdown.signal);

  function authenticate(req: IncomingMessage, url: URL): void {
    const apiKey = apiKeyOf(req, url);
    if (apiKey === null) {
      throw rpcError(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      );
    }
    if (apiKey !== acceptedKey) {
      const message = "API key not valid. Please pass a valid API key.";
      throw rpcError(400, message, [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "API_KEY_INVALID",
          domain: "googleapis.com",
          metadata: { service: "generativelanguage.googleapis.com" },
        },
        { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message },
      ]);
    }
  }

  function quotaExceeded(model: string, quotaId: string, limit: number, retryMs: number) {
    const seconds = retryMs / 1000;
    return rpcError(
      429,
      `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: ${RATE_LIMITS_URL}. To monitor your current usage, head to: https://ai.dev/rate-limit. \n* Quota exceeded for metric: ${QUOTA_METRIC}, limit: ${limit}, model: ${model}\nPlease retry in ${seconds.toFixed(3)}s.`,
      [
        {
          "@type": "type.googleapis.com/google.rpc.QuotaFailure",
          violations: [
            {
              quotaMetric: QUOTA_METRIC,
              quotaId,
              quotaDimensions: { location: "global", model },
              quotaValue: String(limit),
            },
          ],
        },
        {
          "@type": "type.googleapis.com/google.rpc.Help",
          links: [{ description: "Learn more about Gemini API quotas", url: RATE_LIMITS_URL }],
        },
        {
          "@type": "type.googleapis.com/google.rpc.RetryInfo",
          retryDelay: `${Math.max(1, Math.ceil(seconds))}s`,
        },
      ],
    );
  }

  /** Counts the request against the model's quotas, or throws the 429 the real API would send. */
  function spendQuota(model: string): void {
    const t = now();
    const recent = (minuteLog.get(model) ?? []).filter((at) => at > t - MINUTE_MS);
    minuteLog.set(model, recent);
    let day = dayLog.get(model);
    if (!day || t - day.start >= DAY_MS) {
      day = { start: t, count: 0 };
      dayLog.set(model, day);
    }
    const { rpmLimit, rpdLimit } = options;
    if (rpdLimit !== undefined && day.count >= rpdLimit) {
      // The real service quotes a seconds-scale delay here too, not the time to the daily reset.
      const retryMs = MINUTE_MS - (t % MINUTE_MS);
      throw quotaExceeded(
        model,
        "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
        rpdLimit,
        retryMs,
      );
    }
    const oldest = recent[0];
    if (rpmLimit !== undefined && oldest !== undefined && recent.length >= rpmLimit) {
      const retryMs = oldest + MINUTE_MS - t;
      throw quotaExceeded(
        model,
        "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
        rpmLimit,
        retryMs,
      );
    }
    recent.push(t);
    day.count += 1;
  }

  async function nextReply(request: FakeGeminiRequest): Promise<FakeGeminiReply> {
    const queued = scripts.get(request.model)?.shift();
    if (queued !== undefined) return queued;
    return options.reply ? options.reply(request) : "OK";
  }

  async function handleGenerate(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    model: string,
    stream: boolean,
  ): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = raw;
    }
    const contents = isRecord(body) && Array.isArray(body.contents) ? body.contents : [];
    const userText = contents
      .filter((c: unknown) => isRecord(c) && (c.role === undefined || c.role === "user"))
      .flatMap(textParts)
      .join("\n");
    const request: FakeGeminiRequest = {
      model,
      stream,
      body,
      text: userText,
      apiKey: apiKeyOf(req, url),
    };
    requests.push(request);

    authenticate(req, url);
    if (!models.includes(model)) {
      const method = stream ? "streamGenerateContent" : "generateContent";
      throw rpcError(
        404,
        `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
      );
    }
    if (!isRecord(body)) throw rpcError(400, `Invalid JSON payload received. ${raw.slice(0, 80)}`);
    if (contents.length === 0) {
      throw rpcError(400, "* GenerateContentRequest.contents: contents is not specified\n");
    }
    if (outageStatus !== null) {
      throw rpcError(outageStatus, OUTAGE_MESSAGE[outageStatus] ?? "The service is unavailable.");
    }
    spendQuota(model);

    const reply = await nextReply(request);
    if (typeof reply !== "string" && "status" in reply) throw new HttpError(reply);
    const text = typeof reply === "string" ? reply : reply.text;
    const delayMs = typeof reply === "string" ? 0 : (reply.delayMs ?? 0);

    const allText = [
      ...contents.flatMap(textParts),
      ...textParts(isRecord(body) ? body.systemInstruction : undefined),
    ].join("\n");
    const promptTokenCount = tokens(allText);
    const responseId = randomBytes(16).toString("base64url");
    const envelope = (chunk: string, last: boolean, candidatesTokenCount: number) => ({
      candidates: [
        {
          content: { role: "model", parts: [{ text: chunk }] },
          ...(last && { finishReason: "STOP" }),
          index: 0,
        },
      ],
      usageMetadata: {
        promptTokenCount,
        candidatesTokenCount,
        totalTokenCount: promptTokenCount + candidatesTokenCount,
        promptTokensDetails: [{ modality: "TEXT", tokenCount: promptTokenCount }],
      },
      modelVersion: model,
      responseId,
    });

    if (!stream) {
      await sleep(delayMs);
      sendJson(res, 200, envelope(text, true, tokens(text)));
      return;
    }

    // Headers go out at once and the delay is spread over the chunks, like a slow generation.
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const chunks = streamChunks(text);
    let sent = "";
    for (const [i, chunk] of chunks.entries()) {
      await sleep(delayMs / chunks.length);
      if (res.destroyed) return; // client went away mid-stream
      sent += chunk;
      const event = envelope(chunk, i === chunks.length - 1, tokens(sent));
      res.write(`data: ${JSON.stringify(event)}\r\n\r\n`);
    }
    res.end();
  }

  function handleModels(req: IncomingMessage, res: ServerResponse, url: URL, model?: string) {
    authenticate(req, url);
    if (model === undefined) {
      sendJson(res, 200, { models: models.map(modelInfo) });
      return;
    }
    if (!models.includes(model)) {
      throw rpcError(404, `Model is not found: models/${model} for api version v1beta`);
    }
    sendJson(res, 200, modelInfo(model));
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = decodeURIComponent(url.pathname);
    const generate = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(
      path,
    );
    if (req.method === "POST" && generate?.[1] && generate[2]) {
      const stream = generate[2] === "streamGenerateContent";
      // The API only streams SSE when asked; otherwise it would send one JSON array.
      if (stream && url.searchParams.get("alt") !== "sse") {
        throw rpcError(400, "The fake only implements streamGenerateContent with alt=sse.");
      }
      await handleGenerate(req, res, url, generate[1], stream);
      return;
    }
    const get = /^\/v1beta\/models(?:\/([^/:]+))?$/.exec(path);
    if (req.method === "GET" && get) {
      handleModels(req, res, url, get[1]);
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end(`Not Found: ${req.method} ${path}`);
  }

  const server = createServer((req, res) => {
    // A client that hangs up must never take the fake down with an unhandled 'error'.
    res.on("error", () => {});
    req.on("error", () => {});
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError) sendError(res, err.rpc);
      else sendError(res, rpcError(500, `Fake Gemini failed: ${String(err)}`).rpc);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script(model, replies) {
      scripts.set(model, [...(scripts.get(model) ?? []), ...replies]);
    },
    outage(status) {
      outageStatus = status;
    },
    resetQuotas() {
      minuteLog.clear();
      dayLog.clear();
    },
    close() {
      shutdown.abort();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
