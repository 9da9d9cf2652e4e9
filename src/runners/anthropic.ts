import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from "@anthropic-ai/sdk";
import type {
  Message,
  MessageCreateParamsNonStreaming,
} from "@anthropic-ai/sdk/resources/messages";
import { type ApiTarget, apiTarget, type SquadConfig } from "../config.js";
import type { Logger } from "../logger.js";
import {
  ApiCaller,
  type ApiFailure,
  classifySdkError,
  type KeyRejections,
  targetId,
} from "./api-retry.js";
import { callDeadline } from "./call-deadline.js";
import type { Sleep } from "./minute-window.js";
import { type ModelAnswer, ModelCallError, type ModelRequest, type ModelRunner } from "./types.js";

export interface AnthropicRunnerOptions {
  config: SquadConfig;
  env: NodeJS.ProcessEnv;
  keys: KeyRejections;
  now: () => number;
  random: () => number;
  sleep?: Sleep;
  logger: Logger;
}

const BACKEND = "anthropic";
const ANTHROPIC_API = "https://api.anthropic.com";
/** Output cap per answer; under the client's limit for a request that is not streamed. */
const MAX_TOKENS = 16_000;
/** The tool a structured answer is forced through; its input is the answer. */
const ANSWER_TOOL = "answer";

/** Claude models through the Messages API; structured output is a forced tool call. */
export class AnthropicRunner implements ModelRunner {
  private readonly caller: ApiCaller;
  private readonly clients = new Map<string, Anthropic>();

  constructor(private readonly options: AnthropicRunnerOptions) {
    this.caller = new ApiCaller({
      backend: BACKEND,
      policy: options.config.anthropic,
      now: options.now,
      random: options.random,
      ...(options.sleep && { sleep: options.sleep }),
      logger: options.logger,
    });
  }

  async generate(request: ModelRequest): Promise<ModelAnswer> {
    const started = this.options.now();
    const target = apiTarget(request.worker, this.options.env);
    const deadline = callDeadline(request.signal, request.timeoutMs);
    const notes: string[] = [];
    const waited = { ms: 0 };
    try {
      const client = this.clientFor(request.alias, target);
      const body = messageBody(request);
      const message = await this.caller.send(
        request,
        deadline.signal,
        notes,
        waited,
        () => client.messages.create(body, { signal: deadline.signal }),
        (error) => classifyAnthropicError(error, this.options.now()),
        target.key,
      );
      return this.toAnswer(request, message, notes, started, waited.ms);
    } catch (error) {
      throw this.caller.failed(request, target, error, deadline.stoppedBy(), this.options.keys);
    } finally {
      deadline.dispose();
    }
  }

  private clientFor(alias: string, target: ApiTarget): Anthropic {
    if (!target.key)
      throw this.caller.error("unavailable", `${alias}: ${target.keyEnv} is not set`);
    const id = targetId(target);
    const rejected = this.options.keys.reason(alias, id);
    if (rejected) throw this.caller.error("rejected", rejected);
    let client = this.clients.get(id);
    if (!client) {
      client = new Anthropic({
        apiKey: target.key,
        baseURL: target.baseUrl ?? ANTHROPIC_API,
        // Retries are ours (ApiCaller): paced, bounded, told to the caller and recorded.
        maxRetries: 0,
      });
      this.clients.set(id, client);
    }
    return client;
  }

  private toAnswer(
    request: ModelRequest,
    message: Message,
    notes: string[],
    started: number,
    waitedMs: number,
  ): ModelAnswer {
    const text = answerText(request, message);
    if (message.stop_reason === "max_tokens") {
      notes.push("answer cut at the output token limit (stop_reason max_tokens)");
    }
    const { usage } = message;
    const cacheRead = usage.cache_read_input_tokens ?? 0;
    const cacheWrite = usage.cache_creation_input_tokens ?? 0;
    if (cacheRead + cacheWrite > 0) {
      notes.push(`prompt cache: ${cacheRead} tokens read, ${cacheWrite} written`);
    }
    return {
      alias: request.alias,
      provider: "anthropic",
      model: request.worker.model,
      host: null,
      text,
      tokensIn: usage.input_tokens + cacheRead + cacheWrite,
      tokensOut: usage.output_tokens,
      latencyMs: this.options.now() - started,
      waitedMs,
      truncated: false,
      notes,
    };
  }
}

function messageBody(request: ModelRequest): MessageCreateParamsNonStreaming {
  const body: MessageCreateParamsNonStreaming = {
    model: request.worker.model,
    max_tokens: MAX_TOKENS,
    messages: [{ role: "user", content: request.prompt }],
  };
  if (request.system) body.system = request.system;
  if (request.schema) {
    body.tools = [
      {
        name: ANSWER_TOOL,
        description: "Give your answer as this tool's input.",
        input_schema: { ...request.schema, type: "object" },
      },
    ];
    body.tool_choice = { type: "tool", name: ANSWER_TOOL };
  }
  return body;
}

/** The forced tool call's input as JSON, or the text blocks joined. */
function answerText(request: ModelRequest, message: Message): string {
  if (request.schema) {
    const call = message.content.find(
      (block) => block.type === "tool_use" && block.name === ANSWER_TOOL,
    );
    if (call?.type === "tool_use") return JSON.stringify(call.input);
  }
  const text = message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
  if (text === "") {
    throw new ModelCallError(
      BACKEND,
      "rejected",
      `${request.alias}: no answer (stop_reason ${message.stop_reason ?? "none"})`,
    );
  }
  return text;
}

export function classifyAnthropicError(error: unknown, now: number): ApiFailure {
  return classifySdkError(
    error,
    { aborted: APIUserAbortError, connection: APIConnectionError, api: APIError },
    bodyMessage,
    now,
  );
}

/** `{type: "error", error: {type, message}}` → "overloaded_error: Overloaded". */
function bodyMessage(error: APIError): string {
  const body = (error.error as { error?: { type?: unknown; message?: unknown } } | undefined)
    ?.error;
  if (typeof body?.message === "string" && body.message) {
    return typeof body.type === "string" ? `${body.type}: ${body.message}` : body.message;
  }
  return error.message.replace(/^\d{3} /, "");
}
