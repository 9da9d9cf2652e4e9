import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from "openai";
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
} from "openai/resources/chat/completions";
import { type ApiTarget, apiTarget, type SquadConfig, type WorkerConfig } from "../config.js";
import type { Logger } from "../logger.js";
import {
  ApiCaller,
  type ApiFailure,
  classifySdkError,
  type KeyRejections,
  StopRetrying,
  targetId,
} from "./api-retry.js";
import { callDeadline } from "./call-deadline.js";
import type { Sleep } from "./minute-window.js";
import {
  checkAgainstSchema,
  forStrictMode,
  schemaInstruction,
  stripCodeFence,
} from "./schema-answer.js";
import { type ModelAnswer, ModelCallError, type ModelRequest, type ModelRunner } from "./types.js";

export interface OpenAIRunnerOptions {
  config: SquadConfig;
  env: NodeJS.ProcessEnv;
  keys: KeyRejections;
  now: () => number;
  random: () => number;
  sleep?: Sleep;
  logger: Logger;
}

const BACKEND = "openai";
const OPENAI_API = "https://api.openai.com/v1";

/**
 * How structured output is asked for, best first: many local servers refuse `json_schema`,
 * some refuse `json_object` too; the schema then goes in the prompt and the answer is checked.
 */
type OutputMode = "json_schema" | "json_object" | "prompt";
const WEAKER: Record<OutputMode, OutputMode | null> = {
  json_schema: "json_object",
  json_object: "prompt",
  prompt: null,
};

/** Any server speaking OpenAI Chat Completions, through the official client. */
export class OpenAIRunner implements ModelRunner {
  private readonly caller: ApiCaller;
  private readonly clients = new Map<string, OpenAI>();
  /** Per alias, the structured-output mode its server last accepted. */
  private readonly modes = new Map<string, OutputMode>();

  constructor(private readonly options: OpenAIRunnerOptions) {
    this.caller = new ApiCaller({
      backend: BACKEND,
      policy: options.config.openai,
      now: options.now,
      random: options.random,
      ...(options.sleep && { sleep: options.sleep }),
      logger: options.logger,
    });
  }

  async generate(request: ModelRequest): Promise<ModelAnswer> {
    const started = this.options.now();
    const { worker } = request;
    const target = apiTarget(worker, this.options.env);
    const deadline = callDeadline(request.signal, request.timeoutMs);
    const notes: string[] = [];
    const waited = { ms: 0 };
    try {
      const client = this.clientFor(request.alias, worker, target);
      const { response, messages } = await this.complete(
        request,
        target,
        client,
        deadline.signal,
        notes,
        waited,
      );
      let answer = response;
      let text = answerText(request.alias, response);
      if (request.schema && this.modes.get(request.alias) !== "json_schema") {
        text = stripCodeFence(text);
        const problem = checkAgainstSchema(request.schema, text);
        if (problem !== null) {
          notes.push(`answer did not match the schema (${problem}); asked once more`);
          answer = await this.send(request, target, client, deadline.signal, notes, waited, {
            ...messagesBody(request, this.modes.get(request.alias) ?? "prompt"),
            messages: [
              ...messages,
              { role: "assistant", content: text },
              {
                role: "user",
                content: `That answer does not match the schema (${problem}). Answer again with only the JSON object.`,
              },
            ],
          });
          text = stripCodeFence(answerText(request.alias, answer));
        }
      }
      return this.toAnswer(request, response, answer, text, notes, started, waited.ms);
    } catch (error) {
      throw this.caller.failed(request, target, error, deadline.stoppedBy(), this.options.keys);
    } finally {
      deadline.dispose();
    }
  }

  private clientFor(alias: string, worker: WorkerConfig, target: ApiTarget): OpenAI {
    if (worker.apiKeyEnv && !target.key) {
      throw this.caller.error("unavailable", `${alias}: ${worker.apiKeyEnv} is not set`);
    }
    if (!target.baseUrl && !target.key) {
      throw this.caller.error(
        "unavailable",
        `${alias}: no baseUrl (workers.${alias}.baseUrl or OPENAI_BASE_URL) and no OPENAI_API_KEY`,
      );
    }
    const rejected = this.options.keys.reason(alias, targetId(target));
    if (rejected) throw this.caller.error("rejected", rejected);
    const id = targetId(target);
    let client = this.clients.get(id);
    if (!client) {
      client = new OpenAI({
        // Local servers take no key; the client insists on one.
        apiKey: target.key ?? "none",
        baseURL: target.baseUrl ?? OPENAI_API,
        // Retries are ours (ApiCaller): paced, bounded, told to the caller and recorded.
        maxRetries: 0,
      });
      this.clients.set(id, client);
    }
    return client;
  }

  /** Sends the request, stepping down the structured-output modes the server refuses. */
  private async complete(
    request: ModelRequest,
    target: ApiTarget,
    client: OpenAI,
    signal: AbortSignal,
    notes: string[],
    waited: { ms: number },
  ): Promise<{ response: ChatCompletion; messages: ChatCompletionMessageParam[] }> {
    let mode: OutputMode = this.modes.get(request.alias) ?? "json_schema";
    for (;;) {
      const body = messagesBody(request, mode);
      try {
        const response = await this.send(request, target, client, signal, notes, waited, body);
        if (request.schema) this.modes.set(request.alias, mode);
        return { response, messages: body.messages };
      } catch (error) {
        const weaker = WEAKER[mode];
        // A server that cannot do a response_format says so with a 400 (or 422); a 404 for an
        // unknown model is not worth two more requests.
        const refused =
          error instanceof StopRetrying &&
          error.failure.kind === "rejected" &&
          (error.failure.status === 400 || error.failure.status === 422) &&
          request.schema;
        if (!refused || weaker === null) throw error;
        notes.push(`the server refused response_format ${mode}; using ${weaker}`);
        this.options.logger.info(`openai ${request.alias}: ${mode} refused, using ${weaker}`);
        mode = weaker;
      }
    }
  }

  private send(
    request: ModelRequest,
    target: ApiTarget,
    client: OpenAI,
    signal: AbortSignal,
    notes: string[],
    waited: { ms: number },
    body: ChatCompletionCreateParamsNonStreaming & { messages: ChatCompletionMessageParam[] },
  ): Promise<ChatCompletion> {
    return this.caller.send(
      request,
      signal,
      notes,
      waited,
      () => client.chat.completions.create(body, { signal }),
      (error) => classifyOpenAIError(error, this.options.now()),
      target.key,
    );
  }

  private toAnswer(
    request: ModelRequest,
    first: ChatCompletion,
    last: ChatCompletion,
    text: string,
    notes: string[],
    started: number,
    waitedMs: number,
  ): ModelAnswer {
    if (last.choices[0]?.finish_reason === "length") {
      notes.push("answer cut at the output token limit (finish_reason length)");
    }
    const calls = first === last ? [first] : [first, last];
    const sum = (pick: (usage: NonNullable<ChatCompletion["usage"]>) => number) =>
      calls.reduce((total, call) => total + (call.usage ? pick(call.usage) : 0), 0);
    return {
      alias: request.alias,
      provider: "openai",
      model: request.worker.model,
      host: null,
      text,
      tokensIn: sum((usage) => usage.prompt_tokens),
      tokensOut: sum((usage) => usage.completion_tokens),
      latencyMs: this.options.now() - started,
      waitedMs,
      truncated: false,
      notes,
    };
  }
}

function messagesBody(
  request: ModelRequest,
  mode: OutputMode,
): ChatCompletionCreateParamsNonStreaming & { messages: ChatCompletionMessageParam[] } {
  const { schema } = request;
  const instruction = schema && mode !== "json_schema" ? schemaInstruction(schema) : null;
  const system = [request.system, instruction].filter(Boolean).join("\n\n");
  const messages: ChatCompletionMessageParam[] = [
    ...(system ? [{ role: "system" as const, content: system }] : []),
    { role: "user", content: request.prompt },
  ];
  const body: ChatCompletionCreateParamsNonStreaming & { messages: ChatCompletionMessageParam[] } =
    { model: request.worker.model, messages };
  if (schema && mode === "json_schema") {
    body.response_format = {
      type: "json_schema",
      json_schema: { name: "answer", ...forStrictMode(schema) },
    };
  } else if (schema && mode === "json_object") {
    body.response_format = { type: "json_object" };
  }
  return body;
}

function answerText(alias: string, response: ChatCompletion): string {
  const choice = response.choices[0];
  const text = choice?.message?.content ?? "";
  if (text === "") {
    const refusal = choice?.message?.refusal ? `: ${choice.message.refusal}` : "";
    throw new ModelCallError(
      BACKEND,
      "rejected",
      `${alias}: no answer (finish_reason ${choice?.finish_reason ?? "none"})${refusal}`,
    );
  }
  return text;
}

export function classifyOpenAIError(error: unknown, now: number): ApiFailure {
  return classifySdkError(
    error,
    { aborted: APIUserAbortError, connection: APIConnectionError, api: APIError },
    bodyMessage,
    now,
  );
}

/** The server's own message, without the status the client puts in front of it. */
function bodyMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (typeof body?.message === "string" && body.message) return body.message;
  return error.message.replace(/^\d{3} /, "");
}
