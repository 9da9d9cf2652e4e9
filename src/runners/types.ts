import type { Provider, WorkerConfig } from "../config.js";
import { BackendError } from "../errors.js";

/** One request to a model worker, whichever backend serves it. */
export interface ModelRequest {
  alias: string;
  worker: WorkerConfig;
  system?: string | undefined;
  prompt: string;
  /** A JSON schema the answer must follow (Ollama `format`, Gemini `responseSchema`). */
  schema?: Record<string, unknown> | undefined;
  signal?: AbortSignal | undefined;
  /** Gives up after this long; the error's kind is `timeout`. */
  timeoutMs?: number | undefined;
  /**
   * Stop reading an answer once it is longer than this many characters: the text returned is
   * then the first part only, over the limit, for the caller to refuse. Streaming backends only.
   */
  maxAnswerChars?: number | undefined;
  /** Told before the call waits on purpose: for a per-minute slot, or before a retry. */
  onWait?: ((wait: ModelWait) => void) | undefined;
}

export interface ModelWait {
  ms: number;
  /** e.g. "a per-minute slot (10/min)", or the retry's note. */
  reason: string;
}

/** What a model answered and what it cost. */
export interface ModelAnswer {
  alias: string;
  provider: Provider;
  model: string;
  /** The Ollama host that answered; null for the other providers. */
  host: string | null;
  text: string;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
  /**
   * Of `latencyMs`, time spent waiting rather than generating: for a per-minute slot, or
   * between retries. Latency as a measure of the worker is `latencyMs - waitedMs`.
   */
  waitedMs?: number;
  /** True when the backend cut the prompt to fit the context window. */
  truncated: boolean;
  /** What happened on the way, for the task's digest: retries, failovers, waits. */
  notes: string[];
}

export type ModelFailureKind =
  /** No host or key to send it to, or the host stopped answering. */
  | "unavailable"
  /** Per-minute limit still hit after the allowed retries. */
  | "rate_limited"
  /** Per-day quota (or the configured daily limit) spent; `until` says when it resets. */
  | "quota_exhausted"
  /** 5xx after the allowed retries. */
  | "server"
  /** The backend refused the request (bad key, unknown model, bad schema): retrying won't help. */
  | "rejected"
  | "cancelled"
  | "timeout";

/** A model call that failed; the message carries the backend's own words. */
export class ModelCallError extends BackendError {
  constructor(
    backend: string,
    readonly kind: ModelFailureKind,
    message: string,
    status?: number,
    /** For `quota_exhausted`: when the alias may be used again (ms since the epoch). */
    readonly until?: number,
  ) {
    super(backend, message, status);
  }
}

/**
 * Whether a failed model call says anything about the worker's skill. Only a timeout does: the
 * worker was reached and was too slow. No host or key, a spent quota or rate limit, a 5xx after
 * retries, a refused request or a cancel never reached its judgement, so every tool records
 * nothing against the worker for them.
 */
export function failureCountsAgainstWorker(error: unknown): boolean {
  return error instanceof ModelCallError && error.kind === "timeout";
}

export interface ModelRunner {
  generate(request: ModelRequest): Promise<ModelAnswer>;
}
