/**
 * A fake of the Anthropic Messages API (`POST /v1/messages`) speaking the public wire protocol,
 * so the real `@anthropic-ai/sdk` client can be pointed at it with `baseURL` (what
 * ANTHROPIC_BASE_URL would be).
 *
 * Wire details reproduced from the real service:
 * - the key comes in `x-api-key` or as `Authorization: Bearer` (what the 1.x client sends), the
 *   version in `anthropic-version`;
 * - errors are `{ type: "error", error: { type, message } }` with a `request-id` header: 401
 *   `authentication_error`, 429 `rate_limit_error` and 529 `overloaded_error`, both with
 *   `retry-after` (seconds);
 * - a forced tool call (`tool_choice: {type: "tool", name}`) answers with a `tool_use` content
 *   block whose `input` is the structured answer, and `stop_reason: "tool_use"`;
 * - `usage` has `input_tokens`, `output_tokens` and the prompt-cache counts.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sleepUntilAborted } from "./sleep.js";

export interface FakeAnthropicRequest {
  model: string;
  body: Record<string, unknown>;
  /** The system prompt and every message's text, joined with "\n". */
  text: string;
  /** The tool the request forces, or null. */
  forcedTool: string | null;
  apiKey: string | null;
  version: string | null;
}

export type FakeAnthropicReply =
  | string
  | {
      text?: string;
      /** The forced tool's input: the structured answer. */
      json?: unknown;
      delayMs?: number;
      stopReason?: "end_turn" | "max_tokens" | "tool_use" | "refusal";
      cacheReadTokens?: number;
      cacheCreationTokens?: number;
    }
  | { status: number; type: string; message: string; headers?: Record<string, string> };

export interface FakeAnthropicOptions {
  /** Accepted key (default "test-key"). */
  apiKey?: string;
  /** Used when a model has no scripted reply left; default replies "OK". */
  reply?: (req: FakeAnthropicRequest) => FakeAnthropicReply | Promise<FakeAnthropicReply>;
}

export interface FakeAnthropic {
  /** Base URL for the client, without /v1. */
  url: string;
  requests: FakeAnthropicRequest[];
  /** Queue replies for a model; they are consumed before `options.reply`. */
  script(model: string, replies: FakeAnthropicReply[]): void;
  close(): Promise<void>;
}

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block: unknown) => (isRecord(block) && typeof block.text === "string" ? block.text : ""))
    .join("");
}

function requestText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return [
    contentText(body.system),
    ...messages.map((message: unknown) => (isRecord(message) ? contentText(message.content) : "")),
  ]
    .filter(Boolean)
    .join("\n");
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function bearer(value: string | null): string | null {
  return value?.startsWith("Bearer ") ? value.slice(7) : null;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  res.writeHead(status, {
    "content-type": "application/json",
    "request-id": `req_${randomBytes(12).toString("hex")}`,
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { type: "error", error: { type, message } }, headers);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFakeAnthropic(
  options: FakeAnthropicOptions = {},
): Promise<FakeAnthropic> {
  const acceptedKey = options.apiKey ?? "test-key";
  const requests: FakeAnthropicRequest[] = [];
  const scripts = new Map<string, FakeAnthropicReply[]>();
  const shutdown = new AbortController();

  const sleep = sleepUntilAborted(shutdown.signal);

  async function nextReply(request: FakeAnthropicRequest): Promise<FakeAnthropicReply> {
    const queued = scripts.get(request.model)?.shift();
    if (queued !== undefined) return queued;
    return options.reply ? options.reply(request) : "OK";
  }

  async function handleMessages(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(await readBody(req));
      if (!isRecord(parsed)) throw new Error("not an object");
      body = parsed;
    } catch {
      sendError(
        res,
        400,
        "invalid_request_error",
        "There was an issue with the request body: not valid JSON",
      );
      return;
    }
    const choice = isRecord(body.tool_choice) ? body.tool_choice : null;
    const request: FakeAnthropicRequest = {
      model: typeof body.model === "string" ? body.model : "",
      body,
      text: requestText(body),
      forcedTool: choice?.type === "tool" && typeof choice.name === "string" ? choice.name : null,
      apiKey: header(req, "x-api-key") ?? bearer(header(req, "authorization")),
      version: header(req, "anthropic-version"),
    };
    requests.push(request);
    if (request.apiKey !== acceptedKey) {
      sendError(res, 401, "authentication_error", "invalid x-api-key");
      return;
    }
    if (typeof body.max_tokens !== "number") {
      sendError(res, 400, "invalid_request_error", "max_tokens: Field required");
      return;
    }
    const reply = await nextReply(request);
    if (typeof reply === "object" && "status" in reply) {
      sendError(res, reply.status, reply.type, reply.message, reply.headers);
      return;
    }
    const answer = typeof reply === "string" ? { text: reply } : reply;
    await sleep(answer.delayMs ?? 0);
    const content: unknown[] = [];
    if (answer.text !== undefined) content.push({ type: "text", text: answer.text });
    if (answer.json !== undefined && request.forcedTool) {
      content.push({
        type: "tool_use",
        id: `toolu_${randomBytes(12).toString("hex")}`,
        name: request.forcedTool,
        input: answer.json,
      });
    }
    const written =
      (answer.text ?? "") + (answer.json === undefined ? "" : JSON.stringify(answer.json));
    sendJson(res, 200, {
      id: `msg_${randomBytes(12).toString("hex")}`,
      type: "message",
      role: "assistant",
      model: request.model,
      content,
      stop_reason: answer.stopReason ?? (answer.json !== undefined ? "tool_use" : "end_turn"),
      stop_sequence: null,
      usage: {
        input_tokens: tokens(request.text),
        output_tokens: tokens(written),
        cache_creation_input_tokens: answer.cacheCreationTokens ?? 0,
        cache_read_input_tokens: answer.cacheReadTokens ?? 0,
      },
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.method === "POST" && url.pathname === "/v1/messages") {
      handleMessages(req, res).catch((error: unknown) => {
        sendError(res, 500, "api_error", String(error));
      });
      return;
    }
    sendError(res, 404, "not_found_error", `${req.method} ${url.pathname} not found`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
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
