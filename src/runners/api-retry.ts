import { createHash } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { ApiTarget } from "../config.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import { seconds } from "../text/duration.js";
import { MinuteWindow, type Sleep } from "./minute-window.js";
import { ModelCallError, type ModelFailureKind, type ModelRequest } from "./types.js";

/** What a failed HTTP API request means for the next step. */
export type ApiFailure =
  | { kind: "rate_limited"; status: number; message: string; retryAfterMs: number | null }
  | { kind: "server"; status: number | null; message: string; retryAfterMs: number | null }
  | { kind: "key_rejected"; status: number; message: string }
  | { kind: "context_length"; status: number; message: string }
  | { kind: "rejected"; status: number; message: string }
  | { kind: "aborted"; message: string };

export interface RetryPolicy {
  maxRetries: number;
  retryBaseMs: number;
  maxRetryDelayMs: number;
}

/** The prompt does not fit the alias's context window; a smaller prompt or a bigger model will. */
export class ContextLengthError extends ModelCallError {
  constructor(
    backend: string,
    readonly alias: string,
    readonly contextWindow: number,
    serverMessage: string,
    status: number,
  ) {
    super(
      backend,
      "rejected",
      `${alias}: the prompt does not fit its context window (${contextWindow} tokens, workers.${alias}.contextWindow): ${serverMessage}`,
      status,
    );
  }
}

const CONTEXT_LENGTH =
  /context[_ ]length|context (size|window)|maximum context|too many tokens|prompt is too long|exceed_context/i;

/** Sorts an HTTP status and body message into what to do next. */
export function httpFailure(
  status: number,
  headers: Headers | undefined,
  message: string,
  now: number,
): ApiFailure {
  if (status === 401 || status === 403) return { kind: "key_rejected", status, message };
  if (status === 429) {
    return { kind: "rate_limited", status, message, retryAfterMs: retryAfterMs(headers, now) };
  }
  if (status === 408 || status >= 500) {
    return { kind: "server", status, message, retryAfterMs: retryAfterMs(headers, now) };
  }
  if ((status === 400 || status === 413) && CONTEXT_LENGTH.test(message)) {
    return { kind: "context_length", status, message };
  }
  return { kind: "rejected", status, message };
}

/** An SDK's error classes: both official clients have the same three. */
export interface SdkErrorClasses<ApiError extends Error & { status?: unknown; headers?: unknown }> {
  aborted: new (...args: never[]) => Error;
  connection: new (...args: never[]) => Error;
  api: new (...args: never[]) => ApiError;
}

/**
 * An official client's error as an ApiFailure: an abort, a connection that failed (with its
 * cause), an HTTP status with the server's own message (`bodyMessage`), or anything else.
 */
export function classifySdkError<ApiError extends Error & { status?: unknown; headers?: unknown }>(
  error: unknown,
  classes: SdkErrorClasses<ApiError>,
  bodyMessage: (error: ApiError) => string,
  now: number,
): ApiFailure {
  if (error instanceof classes.aborted) return { kind: "aborted", message: "aborted" };
  if (error instanceof classes.connection) {
    const cause = error.cause ? `: ${errorMessage(error.cause)}` : "";
    return {
      kind: "server",
      status: null,
      message: `${error.message}${cause}`,
      retryAfterMs: null,
    };
  }
  if (error instanceof classes.api && typeof error.status === "number") {
    return httpFailure(error.status, error.headers as Headers | undefined, bodyMessage(error), now);
  }
  return { kind: "server", status: null, message: errorMessage(error), retryAfterMs: null };
}

/**
 * How long the server asks to wait: `retry-after-ms`, `retry-after` (seconds or an HTTP date),
 * else the longest `x-ratelimit-reset-*` (OpenAI's "1s", "6m0s", "250ms").
 */
export function retryAfterMs(headers: Headers | undefined, now: number): number | null {
  if (!headers) return null;
  const ms = Number(headers.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const after = headers.get("retry-after");
  if (after !== null) {
    const seconds = Number(after);
    if (after.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) {
      return Math.round(seconds * 1000);
    }
    const date = Date.parse(after);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const resets = ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]
    .map((name) => parseResetDuration(headers.get(name)))
    .filter((value): value is number => value !== null);
  return resets.length > 0 ? Math.max(...resets) : null;
}

/** "1h2m3.5s", "6m0s", "250ms", "20s" → milliseconds. */
export function parseResetDuration(text: string | null): number | null {
  if (text === null) return null;
  const trimmed = text.trim();
  const match =
    /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/.exec(
      trimmed,
    );
  if (!match || trimmed === "") return null;
  const [, h = "0", m = "0", s = "0", ms = "0"] = match;
  return Math.round(Number(h) * 3_600_000 + Number(m) * 60_000 + Number(s) * 1000 + Number(ms));
}

/** A failure retrying will not mend; the runner turns it into the error its caller reads. */
export class StopRetrying extends Error {
  constructor(readonly failure: ApiFailure) {
    super(failure.message);
  }
}

/** Names where requests go and with which key, without holding the key itself. */
export function targetId(target: ApiTarget): string {
  const key = target.key ? createHash("sha256").update(target.key).digest("hex").slice(0, 16) : "";
  return `${target.baseUrl ?? "default"}|${target.keyEnv}|${key}`;
}

/** A server may quote the key it refused; the key never reaches a log, a result or doctor. */
export function redactKey(text: string, key: string | undefined): string {
  return key && key.length >= 4 ? text.split(key).join("[key]") : text;
}

/** The key of an alias as the server judged it, so a rejected key is not tried again. */
export class KeyRejections {
  private readonly rejected = new Map<string, string>();

  /** `target` identifies the base URL, key variable and key: change any of them and it is tried again. */
  reject(alias: string, target: string, reason: string): void {
    this.rejected.set(`${alias}\u0000${target}`, reason);
  }

  reason(alias: string, target: string): string | null {
    return this.rejected.get(`${alias}\u0000${target}`) ?? null;
  }
}

export interface ApiCallerOptions {
  backend: "openai" | "anthropic";
  policy: RetryPolicy;
  now: () => number;
  random: () => number;
  sleep?: Sleep;
  logger: Logger;
}

const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : {});

/**
 * Sends one request with squad-mcp's own bounded retries (the clients' built-in retries are
 * off): waits for a per-minute slot, honours the server's Retry-After on 429, backs off with
 * jitter on 5xx and connection errors, and says every wait to the caller.
 */
export class ApiCaller {
  private readonly sleep: Sleep;
  private readonly minuteWindow: MinuteWindow;

  constructor(private readonly options: ApiCallerOptions) {
    this.sleep = options.sleep ?? defaultSleep;
    this.minuteWindow = new MinuteWindow(options.now, this.sleep);
  }

  async send<T>(
    request: ModelRequest,
    signal: AbortSignal,
    notes: string[],
    waited: { ms: number },
    attempt: () => Promise<T>,
    classify: (error: unknown) => ApiFailure,
    /** The key in use, kept out of every message. */
    key: string | undefined,
  ): Promise<T> {
    const { alias, worker } = request;
    for (let retry = 0; ; retry++) {
      const slot = await this.minuteWindow.acquire(alias, worker.requestsPerMinute, signal, (ms) =>
        request.onWait?.({ ms, reason: `a per-minute slot (${worker.requestsPerMinute}/min)` }),
      );
      if (slot > 0) {
        notes.push(
          `waited ${seconds(slot)} for a per-minute slot (${worker.requestsPerMinute}/min)`,
        );
      }
      waited.ms += slot;
      try {
        return await attempt();
      } catch (error) {
        if (signal.aborted) throw error;
        const classified = classify(error);
        const failure = { ...classified, message: redactKey(classified.message, key) };
        const step = this.retryStep(alias, failure, retry);
        this.options.logger.info(`${this.options.backend} ${alias}: ${step.note}`);
        notes.push(step.note);
        waited.ms += step.waitMs;
        request.onWait?.({ ms: step.waitMs, reason: step.reason });
        await this.sleep(step.waitMs, signal);
        signal.throwIfAborted();
      }
    }
  }

  private retryStep(
    alias: string,
    failure: ApiFailure,
    retry: number,
  ): { waitMs: number; note: string; reason: string } {
    const { maxRetries, retryBaseMs, maxRetryDelayMs } = this.options.policy;
    if (failure.kind !== "rate_limited" && failure.kind !== "server")
      throw new StopRetrying(failure);
    const what =
      failure.kind === "rate_limited" ? "429" : `${failure.status ?? "connection error"}`;
    if (retry >= maxRetries) {
      const kind: ModelFailureKind = failure.kind === "rate_limited" ? "rate_limited" : "server";
      throw this.error(
        kind,
        `${alias}: ${what} after ${retry} retries: ${failure.message}`,
        failure.status ?? undefined,
      );
    }
    const backoff = retryBaseMs * 2 ** retry + this.options.random() * retryBaseMs;
    const asked = failure.retryAfterMs;
    if (asked !== null && asked > maxRetryDelayMs) {
      throw this.error(
        failure.kind,
        `${alias}: the server asks to wait ${seconds(asked)}, more than ${this.options.backend}.maxRetryDelayMs (${seconds(maxRetryDelayMs)}): ${failure.message}`,
        failure.status ?? undefined,
      );
    }
    // A server's delay gets a little jitter so aliases limited together do not retry together.
    const waitMs = asked === null ? backoff : asked + this.options.random() * 250;
    return {
      waitMs,
      note: `retried after ${what} (waited ${seconds(waitMs)})`,
      reason: `a retry after ${what}`,
    };
  }

  error(kind: ModelFailureKind, message: string, status?: number): ModelCallError {
    return new ModelCallError(this.options.backend, kind, message, status);
  }

  /**
   * What a failed call becomes for the caller: a timeout or cancel by our deadline, the
   * failure `send` gave up on, or anything else as "unavailable". A refused key is remembered
   * in `keys`, so the alias stays unusable until its base URL, key variable or key changes.
   */
  failed(
    request: ModelRequest,
    target: ApiTarget,
    error: unknown,
    stoppedBy: "cancelled" | "timeout" | null,
    keys: KeyRejections,
  ): ModelCallError {
    const { alias } = request;
    if (stoppedBy === "timeout") {
      return this.error("timeout", `${alias}: no answer within ${request.timeoutMs} ms`);
    }
    if (stoppedBy === "cancelled") return this.error("cancelled", `${alias}: cancelled`);
    if (error instanceof ModelCallError) return error;
    if (!(error instanceof StopRetrying)) {
      return this.error("unavailable", `${alias}: ${errorMessage(error)}`);
    }
    const { failure } = error;
    switch (failure.kind) {
      case "key_rejected": {
        const reason = redactKey(
          `key rejected for ${alias} (env ${target.keyEnv}): ${failure.message}`,
          target.key,
        );
        keys.reject(alias, targetId(target), reason);
        return this.error("rejected", reason, failure.status);
      }
      case "context_length":
        return new ContextLengthError(
          this.options.backend,
          alias,
          request.worker.contextWindow,
          failure.message,
          failure.status,
        );
      case "rejected":
        return this.error("rejected", `${alias}: ${failure.message}`, failure.status);
      default:
        return this.error("unavailable", `${alias}: ${failure.message}`);
    }
  }
}
