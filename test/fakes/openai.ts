/**
 * A fake OpenAI-compatible server (what LM Studio, llama-server, vLLM, LiteLLM and the hosted
 * APIs speak): `GET /v1/models` and `POST /v1/chat/completions`, streamed or not, so the real
 * `openai` client can be pointed at it with `baseURL`.
 *
 * Wire details reproduced from the public protocol:
 * - errors are `{ error: { message, type, param, code } }`; a wrong key is 401
 *   `invalid_api_key`, a busy model 429 `rate_limit_exceeded` with `retry-after` (seconds) and
 *   `x-ratelimit-*` headers, a prompt over the window 400 `context_length_exceeded`;
 * - `response_format` `json_schema` or `json_object` is accepted or refused per model, the
 *   way many local servers refuse it (400 naming `response_format`);
 * - answers carry `usage` and `finish_reason` (`length` when `max_tokens` cut them);
 * - streaming sends `data: <chat.completion.chunk>` events, then `data: [DONE]`; usage comes
 *   in a last chunk with no choices when `stream_options.include_usage` asks for it.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sleepUntilAborted } from "./sleep.js";

export interface FakeOpenAIRequest {
  model: string;
  stream: boolean;
  body: Record<string, unknown>;
  /** Every message's text content, joined with "\n". */
  text: string;
  /** `response_format.type`, or null. */
  format: string | null;
  authorization: string | null;
}

export type FakeOpenAIReply =
  | string
  | { text: string; delayMs?: number; finishReason?: "stop" | "length" }
  | {
      status: number;
      message: string;
      type?: string;
      code?: string | null;
      headers?: Record<string, string>;
    };

export interface FakeOpenAIOptions {
  /** The key accepted as `Authorization: Bearer …`; null accepts any or none (a local server). */
  apiKey?: string | null;
  /** What `/v1/models` lists; default one local model. */
  models?: string[];
  /** Models whose server refuses `response_format: json_schema`. */
  refuseJsonSchema?: string[];
  /** Models whose server refuses `response_format: json_object` too. */
  refuseJsonObject?: string[];
  /** Prompt tokens (about 4 characters each) over which a request is refused. */
  contextWindow?: number;
  /** Used when a model has no scripted reply left; default replies "OK". */
  reply?: (req: FakeOpenAIRequest) => FakeOpenAIReply | Promise<FakeOpenAIReply>;
}

export interface FakeOpenAI {
  /** Base URL for the client, ending in /v1 (what OPENAI_BASE_URL would be). */
  url: string;
  /** Every chat completion request, including refused ones. */
  requests: FakeOpenAIRequest[];
  /** How many times `/v1/models` was asked. */
  modelListings: number;
  /** Queue replies for a model; they are consumed before `options.reply`. */
  script(model: string, replies: FakeOpenAIReply[]): void;
  close(): Promise<void>;
}

const DEFAULT_MODELS = ["qwen2.5-coder-7b-instruct"];

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function messageText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  return messages
    .map((message: unknown) => {
      const content = isRecord(message) ? message.content : undefined;
      if (typeof content === "string") return content;
      if (!Array.isArray(content)) return "";
      return content
        .map((part: unknown) => (isRecord(part) && typeof part.text === "string" ? part.text : ""))
        .join("");
    })
    .join("\n");
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const acceptedKey = options.apiKey === undefined ? "test-key" : options.apiKey;
  const models = options.models ?? DEFAULT_MODELS;
  const requests: FakeOpenAIRequest[] = [];
  const scripts = new Map<string, FakeOpenAIReply[]>();
  const shutdown = new AbortController();
  let modelListings = 0;

  const sleep = sleepUntilAborted(shutdown.signal);

  /** True when the request may go on; otherwise the 401 has been sent. */
  function authorised(req: IncomingMessage, res: ServerResponse): boolean {
    if (acceptedKey === null) return true;
    const header = req.headers.authorization ?? "";
    const key = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (key === acceptedKey) return true;
    const shown = key.length > 8 ? `${key.slice(0, 3)}*****${key.slice(-4)}` : key;
    sendError(
      res,
      401,
      `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      "invalid_request_error",
      "invalid_api_key",
    );
    return false;
  }

  function listModels(res: ServerResponse): void {
    modelListings++;
    sendJson(res, 200, {
      object: "list",
      data: models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "fake" })),
    });
  }

  async function nextReply(request: FakeOpenAIRequest): Promise<FakeOpenAIReply> {
    const queued = scripts.get(request.model)?.shift();
    if (queued !== undefined) return queued;
    return options.reply ? options.reply(request) : "OK";
  }

  /** The 400 a server that cannot do the asked `response_format` sends, or null. */
  function refusedFormat(request: FakeOpenAIRequest): string | null {
    if (request.format === "json_schema" && options.refuseJsonSchema?.includes(request.model)) {
      return "'response_format.type' must be 'json_object' or 'text'; json_schema is not supported";
    }
    if (request.format === "json_object" && options.refuseJsonObject?.includes(request.model)) {
      return "'response_format.type' must be 'text'";
    }
    return null;
  }

  async function handleChat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(await readBody(req));
      if (!isRecord(parsed)) throw new Error("not an object");
      body = parsed;
    } catch {
      sendError(
        res,
        400,
        "We could not parse the JSON body of your request.",
        "invalid_request_error",
        null,
      );
      return;
    }
    const model = typeof body.model === "string" ? body.model : "";
    const format = isRecord(body.response_format) ? String(body.response_format.type) : null;
    const request: FakeOpenAIRequest = {
      model,
      stream: body.stream === true,
      body,
      text: messageText(body.messages),
      format,
      authorization: req.headers.authorization ?? null,
    };
    requests.push(request);
    if (!authorised(req, res)) return;
    if (!models.includes(model)) {
      sendError(
        res,
        404,
        `The model \`${model}\` does not exist or you do not have access to it.`,
        "invalid_request_error",
        "model_not_found",
      );
      return;
    }
    const refused = refusedFormat(request);
    if (refused) {
      sendError(res, 400, refused, "invalid_request_error", null);
      return;
    }
    const promptTokens = tokens(request.text);
    if (options.contextWindow !== undefined && promptTokens > options.contextWindow) {
      sendError(
        res,
        400,
        `This model's maximum context length is ${options.contextWindow} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`,
        "invalid_request_error",
        "context_length_exceeded",
      );
      return;
    }
    const reply = await nextReply(request);
    if (typeof reply === "object" && "status" in reply) {
      sendError(
        res,
        reply.status,
        reply.message,
        reply.type ?? "server_error",
        reply.code ?? null,
        reply.headers,
      );
      return;
    }
    const {
      text,
      delayMs = 0,
      finishReason = "stop",
    } = typeof reply === "string" ? { text: reply } : reply;
    await sleep(delayMs);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: tokens(text),
      total_tokens: promptTokens + tokens(text),
    };
    const id = `chatcmpl-${randomBytes(12).toString("hex")}`;
    const created = Math.floor(Date.now() / 1000);
    if (request.stream) {
      const includeUsage =
        isRecord(body.stream_options) && body.stream_options.include_usage === true;
      streamCompletion(res, {
        id,
        created,
        model,
        text,
        finishReason,
        usage: includeUsage ? usage : null,
      });
      return;
    }
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: text, refusal: null },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
      system_fingerprint: "fp_fake",
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /v1/models") {
      if (authorised(req, res)) listModels(res);
      return;
    }
    if (route === "POST /v1/chat/completions") {
      handleChat(req, res).catch((error: unknown) => {
        sendError(res, 500, String(error), "server_error", null);
      });
      return;
    }
    sendError(res, 404, `Unknown request URL: ${route}`, "invalid_request_error", "unknown_url");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get modelListings() {
      return modelListings;
    },
    script(model, replies) {
      scripts.set(model, [...(scripts.get(model) ?? []), ...replies]);
    },
    close() {
      shutdown.abort();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function streamCompletion(
  res: ServerResponse,
  answer: {
    id: string;
    created: number;
    model: string;
    text: string;
    finishReason: string;
    usage: Record<string, number> | null;
  },
): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(
      `data: ${JSON.stringify({ id: answer.id, object: "chat.completion.chunk", created: answer.created, model: answer.model, choices, ...extra })}\n\n`,
    );
  chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
  for (const piece of answer.text.match(/\s*\S+\s*/g) ?? [answer.text]) {
    chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
  }
  chunk([{ index: 0, delta: {}, finish_reason: answer.finishReason }]);
  if (answer.usage) chunk([], { usage: answer.usage });
  res.end("data: [DONE]\n\n");
}
