import type { Message } from "ollama";
import { errorMessage } from "../errors.js";
import { ollamaClientWithSignal } from "./ollama-probe.js";

/** One chat as the pool sends it to one host. */
export interface ChatCall {
  model: string;
  messages: Message[];
  numCtx: number;
  keepAlive: string | number;
  format?: Record<string, unknown> | undefined;
  /** Stop reading past this many characters (the answer is then cut and over it). */
  maxAnswerChars?: number | undefined;
}

export interface ChatResult {
  text: string;
  promptEvalCount: number;
  evalCount: number;
}

/**
 * What went wrong with one chat, sorted by what the pool does next: `unreachable` cools the host
 * down and moves on, `model_missing` moves on, the others end the request.
 */
export type ChatFailure =
  | { kind: "unreachable"; reason: string }
  | { kind: "model_missing"; reason: string; status: number }
  | { kind: "rejected" | "server"; reason: string; status?: number | undefined };

/** Tokens a chat template adds around each message (role markers, separators). */
const TEMPLATE_TOKENS_PER_MESSAGE = 4;
const CHARS_PER_TOKEN = 4;

export function chatMessages(system: string | undefined, prompt: string): Message[] {
  const messages: Message[] = system ? [{ role: "system", content: system }] : [];
  return [...messages, { role: "user", content: prompt }];
}

/**
 * One chat on the native `/api/chat` (the OpenAI-compatible endpoint ignores num_ctx and cuts
 * the prompt silently). Streamed, so an abort closes the connection and Ollama stops
 * generating at once instead of finishing an answer nobody will read.
 */
export async function chatOnHost(
  host: string,
  call: ChatCall,
  signal: AbortSignal,
): Promise<ChatResult> {
  const client = ollamaClientWithSignal(host, signal);
  const stream = await client.chat({
    model: call.model,
    messages: call.messages,
    stream: true,
    options: { num_ctx: call.numCtx },
    keep_alive: call.keepAlive,
    ...(call.format ? { format: call.format } : {}),
  });
  let text = "";
  const maxChars = call.maxAnswerChars ?? Number.POSITIVE_INFINITY;
  for await (const part of stream) {
    text += part.message.content;
    if (text.length > maxChars) {
      // Closing the stream stops the model: an answer over the limit is refused whole anyway.
      stream.abort();
      return { text, promptEvalCount: 0, evalCount: 0 };
    }
    if (part.done) {
      return { text, promptEvalCount: part.prompt_eval_count, evalCount: part.eval_count };
    }
  }
  // The client throws itself when a stream ends early; this only keeps the types honest.
  throw new Error("Did not receive done or success response in stream.");
}

export function classifyChatFailure(error: unknown): ChatFailure {
  const status = (error as { status_code?: unknown }).status_code;
  if (typeof status === "number") {
    const reason = errorMessage(error);
    if (status === 404) return { kind: "model_missing", reason, status };
    return { kind: status >= 400 && status < 500 ? "rejected" : "server", reason, status };
  }
  const lostConnection = connectionFailure(error);
  if (lostConnection) return { kind: "unreachable", reason: lostConnection };
  // A `{"error": ...}` line in the stream: the model failed while generating.
  return { kind: "server", reason: errorMessage(error) };
}

/** Why the host could not be talked to, or null when it did answer (with an error). */
function connectionFailure(error: unknown): string | null {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
  if (code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT") return "no answer";
  // undici's network errors are TypeErrors with a cause; a TypeError without one is a bug here.
  if (error instanceof TypeError && cause) {
    const detail = code ?? (typeof cause?.message === "string" ? cause.message : undefined);
    return detail ? `${error.message} (${detail})` : error.message;
  }
  if (errorMessage(error).startsWith("Did not receive done")) return "answer cut off mid-stream";
  return null;
}

/** About how many tokens the templated prompt takes: four characters a token, plus the template. */
export function estimatePromptTokens(messages: Message[]): number {
  return messages.reduce(
    (sum, m) => sum + Math.ceil(m.content.length / CHARS_PER_TOKEN) + TEMPLATE_TOKENS_PER_MESSAGE,
    0,
  );
}

/**
 * Ollama cuts an overlong prompt without failing; only prompt_eval_count tells. Older runners
 * cut to exactly num_ctx; newer llama-server based engines cut to about half of it, which shows
 * as a count near num_ctx / 2 well below our estimate. Requiring "near half" keeps a small count
 * from a prompt-cache hit from reading as a cut.
 */
export function promptWasCut(estimate: number, promptEvalCount: number, numCtx: number): boolean {
  if (estimate > numCtx || promptEvalCount >= numCtx) return true;
  const nearHalf = Math.abs(promptEvalCount - numCtx / 2) <= numCtx * 0.05;
  return estimate > numCtx / 2 && nearHalf && promptEvalCount < estimate * 0.8;
}

/** What the digest should say when Ollama cut the prompt, or null when it fit. */
export function truncationNote(alias: string, call: ChatCall, result: ChatResult): string | null {
  const estimate = estimatePromptTokens(call.messages);
  if (!promptWasCut(estimate, result.promptEvalCount, call.numCtx)) return null;
  const cutTo = result.promptEvalCount > 0 ? result.promptEvalCount : call.numCtx;
  return (
    `prompt cut to ${cutTo} tokens: it needs about ${estimate} but ${alias} has a context ` +
    `window of ${call.numCtx}; use an alias with a larger context window or send less`
  );
}
