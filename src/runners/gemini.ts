import { setTimeout as delay } from "node:timers/promises";
import {
  type EnhancedGenerateContentResponse,
  FinishReason,
  type GenerateContentRequest,
  type GenerativeModel,
  GoogleGenerativeAI,
  type RequestOptions,
} from "@google/generative-ai";
import type { SquadConfig } from "../config.js";
import { errorMessage } from "../errors.js";
import type { Logger } from "../logger.js";
import { nextQuotaReset, type QuotaStore, quotaDay } from "../memory/quota.js";
import { seconds } from "../text/duration.js";
import { callDeadline } from "./call-deadline.js";
import { classifyGeminiError, type GeminiFailure } from "./gemini-errors.js";
import { toGeminiSchema, UnsupportedSchemaError } from "./gemini-schema.js";
import { MinuteWindow, type Sleep } from "./minute-window.js";
import {
  type ModelAnswer,
  ModelCallError,
  type ModelFailureKind,
  type ModelRequest,
  type ModelRunner,
} from "./types.js";

export interface GeminiRunnerOptions {
  apiKey: string;
  config: SquadConfig;
  quota: QuotaStore;
  now: () => number;
  random: () => number;
  /** Waits between retries and for a per-minute slot; tests pass one that records delays. */
  sleep?: Sleep;
  logger: Logger;
}

const BACKEND = "gemini";
/** Spread added to a RetryInfo delay, so aliases that hit a limit together do not retry together. */
const RETRY_JITTER_MS = 1_000;
/** Finish reasons that still carry a usable answer. */
const ANSWERED = new Set<string>([FinishReason.STOP, FinishReason.MAX_TOKENS]);

const defaultSleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : {});
const iso = (at: number) => new Date(at).toISOString();

/** What to do after a failed request that may be retried. */
interface RetryStep {
  waitMs: number;
  note: string;
  /** What the wait is for, as the caller's progress shows it. */
  reason: string;
}

/**
 * Gemini through the official client. Quotas are guarded before each request (cooldown, the
 * configured daily limit, a local per-minute window) and read back from the API's 429s.
 */
export class GeminiRunner implements ModelRunner {
  private readonly client: GoogleGenerativeAI;
  private readonly sleep: Sleep;
  private readonly minuteWindow: MinuteWindow;

  constructor(private readonly options: GeminiRunnerOptions) {
    this.client = new GoogleGenerativeAI(options.apiKey);
    this.sleep = options.sleep ?? defaultSleep;
    this.minuteWindow = new MinuteWindow(options.now, this.sleep);
  }

  async generate(request: ModelRequest): Promise<ModelAnswer> {
    const started = this.options.now();
    const deadline = callDeadline(request.signal, request.timeoutMs);
    const notes: string[] = [];
    const waited = { ms: 0 };
    try {
      const model = this.modelFor(request);
      const response = await this.sendWithRetries(request, model, deadline.signal, notes, waited);
      return { ...this.toAnswer(request, response, notes, started), waitedMs: waited.ms };
    } catch (error) {
      throw this.asModelCallError(request, error, deadline.stoppedBy());
    } finally {
      deadline.dispose();
    }
  }

  private modelFor(request: ModelRequest): GenerativeModel {
    const { baseUrl } = this.options.config.gemini;
    const requestOptions: RequestOptions = baseUrl ? { baseUrl } : {};
    return this.client.getGenerativeModel(
      {
        model: request.worker.model,
        ...(request.system && { systemInstruction: request.system }),
        ...(request.schema && {
          generationConfig: {
            responseMimeType: "application/json",
            responseSchema: toGeminiSchema(request.schema),
          },
        }),
      },
      requestOptions,
    );
  }

  private async sendWithRetries(
    request: ModelRequest,
    model: GenerativeModel,
    signal: AbortSignal,
    notes: string[],
    waited: { ms: number },
  ): Promise<EnhancedGenerateContentResponse> {
    const body: GenerateContentRequest = {
      contents: [{ role: "user", parts: [{ text: request.prompt }] }],
    };
    for (let retry = 0; ; retry++) {
      waited.ms += await this.admit(request, signal, notes);
      try {
        const { response } = await model.generateContent(body, { signal });
        return response;
      } catch (error) {
        if (signal.aborted) throw error;
        const step = this.retryStep(request, classifyGeminiError(error), retry);
        this.options.logger.info(`gemini ${request.alias}: ${step.note}`);
        notes.push(step.note);
        waited.ms += step.waitMs;
        request.onWait?.({ ms: step.waitMs, reason: step.reason });
        await this.sleep(step.waitMs, signal);
        signal.throwIfAborted();
      }
    }
  }

  /** Refuses a spent alias without spending a request, waits for a per-minute slot, counts. */
  /** Returns how long it waited for a per-minute slot (ms). */
  private async admit(
    request: ModelRequest,
    signal: AbortSignal,
    notes: string[],
  ): Promise<number> {
    const { alias, worker } = request;
    const { quota, now } = this.options;
    const cooldown = quota.cooldown(alias, now());
    if (cooldown) {
      const message = `${alias} is cooled down until ${iso(cooldown.until)}: ${cooldown.reason}`;
      throw this.failure("quota_exhausted", message, undefined, cooldown.until);
    }
    const limit = worker.requestsPerDay;
    if (limit !== undefined && quota.count(alias, quotaDay(now())) >= limit) {
      const until = nextQuotaReset(now());
      const message = `${alias} has used its ${limit} requests for today (workers.${alias}.requestsPerDay); resets ${iso(until)}`;
      throw this.failure("quota_exhausted", message, undefined, until);
    }
    const waited = await this.minuteWindow.acquire(alias, worker.requestsPerMinute, signal, (ms) =>
      request.onWait?.({ ms, reason: `a per-minute slot (${worker.requestsPerMinute}/min)` }),
    );
    if (waited > 0) {
      notes.push(
        `waited ${seconds(waited)} for a per-minute slot (${worker.requestsPerMinute}/min)`,
      );
    }
    quota.increment(alias, quotaDay(now()));
    return waited;
  }

  /** How long to wait before retrying, or the error that ends the call. */
  private retryStep(request: ModelRequest, failure: GeminiFailure, retry: number): RetryStep {
    const { maxRetries, retryBaseMs, maxRetryDelayMs } = this.options.config.gemini;
    const { alias } = request;
    switch (failure.kind) {
      case "per_day":
        throw this.coolDown(alias, failure);
      case "per_minute": {
        if (retry >= maxRetries) {
          const message = `${alias}: per-minute limit still hit after ${retry} retries: ${failure.message}`;
          throw this.failure("rate_limited", message, 429);
        }
        const asked = failure.retryDelayMs ?? retryBaseMs * 2 ** retry;
        if (asked > maxRetryDelayMs) {
          const message = `${alias}: the API asks to wait ${seconds(asked)}, more than gemini.maxRetryDelayMs (${seconds(maxRetryDelayMs)}): ${failure.message}`;
          throw this.failure("rate_limited", message, 429);
        }
        const waitMs = asked + this.options.random() * RETRY_JITTER_MS;
        return {
          waitMs,
          note: `waited ${seconds(waitMs)} after a per-minute 429`,
          reason: "a retry after a per-minute 429",
        };
      }
      case "server": {
        if (retry >= maxRetries) {
          const message = `${alias}: ${failure.status} after ${retry} retries: ${failure.message}`;
          throw this.failure("server", message, failure.status);
        }
        const waitMs = retryBaseMs * 2 ** retry + this.options.random() * retryBaseMs;
        return {
          waitMs,
          note: `retried after ${failure.status} (waited ${seconds(waitMs)})`,
          reason: `a retry after ${failure.status}`,
        };
      }
      case "rejected":
        throw this.failure("rejected", `${alias}: ${failure.message}`, failure.status);
      case "network":
      case "aborted":
        throw this.failure("unavailable", `${alias}: ${failure.message}`);
    }
  }

  /** A spent daily quota stays spent until midnight Pacific: remember that for every process. */
  private coolDown(alias: string, failure: GeminiFailure & { kind: "per_day" }): ModelCallError {
    const until = nextQuotaReset(this.options.now());
    const reason = `daily quota spent (${failure.quotaId})`;
    this.options.quota.setCooldown(alias, until, reason);
    this.options.logger.warn(`gemini ${alias}: ${reason}; cooled down until ${iso(until)}`);
    const message = `${alias} is cooled down until ${iso(until)} (the daily quota resets at midnight Pacific time): ${reason}: ${failure.message}`;
    return this.failure("quota_exhausted", message, 429, until);
  }

  private toAnswer(
    request: ModelRequest,
    response: EnhancedGenerateContentResponse,
    notes: string[],
    started: number,
  ): ModelAnswer {
    const text = answerText(request.alias, response);
    const finish = response.candidates?.[0]?.finishReason;
    if (finish === FinishReason.MAX_TOKENS) notes.push("answer cut at the output token limit");
    const usage = response.usageMetadata;
    // Gemini 2.5 bills its thinking as output; the client's types predate the field.
    const thoughts = (usage as { thoughtsTokenCount?: number } | undefined)?.thoughtsTokenCount;
    return {
      alias: request.alias,
      provider: "gemini",
      model: request.worker.model,
      host: null,
      text,
      tokensIn: usage?.promptTokenCount ?? 0,
      tokensOut: (usage?.candidatesTokenCount ?? 0) + (thoughts ?? 0),
      latencyMs: this.options.now() - started,
      truncated: false,
      notes,
    };
  }

  private asModelCallError(
    request: ModelRequest,
    error: unknown,
    stoppedBy: "cancelled" | "timeout" | null,
  ): ModelCallError {
    if (stoppedBy === "timeout") {
      return this.failure("timeout", `${request.alias}: no answer within ${request.timeoutMs} ms`);
    }
    if (stoppedBy === "cancelled") return this.failure("cancelled", `${request.alias}: cancelled`);
    if (error instanceof ModelCallError) return error;
    if (error instanceof UnsupportedSchemaError) {
      return this.failure("rejected", `${request.alias}: ${error.message}`);
    }
    return this.failure("unavailable", `${request.alias}: ${errorMessage(error)}`);
  }

  private failure(
    kind: ModelFailureKind,
    message: string,
    status?: number,
    until?: number,
  ): ModelCallError {
    return new ModelCallError(BACKEND, kind, message, status, until);
  }
}

/** The answer's text, or a `rejected` error when safety or another filter withheld it. */
function answerText(alias: string, response: EnhancedGenerateContentResponse): string {
  const feedback = response.promptFeedback;
  if (feedback?.blockReason) {
    const why = feedback.blockReasonMessage ? `: ${feedback.blockReasonMessage}` : "";
    throw new ModelCallError(
      BACKEND,
      "rejected",
      `${alias}: the prompt was blocked (blockReason ${feedback.blockReason})${why}`,
    );
  }
  const candidate = response.candidates?.[0];
  const finish = candidate?.finishReason;
  const text = (candidate?.content?.parts ?? []).map((part) => part.text ?? "").join("");
  if (text === "" || (finish !== undefined && !ANSWERED.has(finish))) {
    const why = candidate?.finishMessage ? `: ${candidate.finishMessage}` : "";
    throw new ModelCallError(
      BACKEND,
      "rejected",
      `${alias}: no answer (finishReason ${finish ?? "none"})${why}`,
    );
  }
  return text;
}
