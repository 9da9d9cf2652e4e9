import { errorMessage } from "../errors.js";
import type { ModelCallStore } from "../memory/model-calls.js";
import type { GeminiRunner } from "./gemini.js";
import type { OllamaHostView, OllamaPool } from "./ollama.js";
import { type ModelAnswer, ModelCallError, type ModelRequest, type ModelRunner } from "./types.js";

export interface CallTag {
  runId: string | null;
  taskId: string | null;
}

export type BackendRequest = ModelRequest & { preferHost?: string | null | undefined };

/** Every model backend behind one call, each call recorded with what it cost. */
export interface ModelBackends {
  generate(request: BackendRequest, tag?: CallTag): Promise<ModelAnswer>;
  /** Ollama hosts usable now (reachable, not cooling down), for model-aware scheduling. */
  ollamaHosts(): OllamaHostView[];
  /** Looks at the Ollama hosts again (cached probes; cheap). */
  refresh(): Promise<void>;
}

/** Runners whose client library is loaded on first use only. */
export interface ApiRunners {
  openai: () => Promise<ModelRunner>;
  anthropic: () => Promise<ModelRunner>;
}

export function createModelBackends(
  ollama: OllamaPool,
  gemini: GeminiRunner | null,
  apis: ApiRunners,
  calls: ModelCallStore,
  now: () => number,
): ModelBackends {
  return {
    async generate(request, tag = { runId: null, taskId: null }) {
      const started = now();
      const record = (answer: ModelAnswer | null, error: unknown) =>
        calls.record({
          at: started,
          worker: request.alias,
          provider: request.worker.provider,
          model: request.worker.model,
          host: answer?.host ?? null,
          ok: answer !== null,
          tokensIn: answer?.tokensIn ?? null,
          tokensOut: answer?.tokensOut ?? null,
          latencyMs: answer?.latencyMs ?? now() - started,
          error: error === null ? null : errorMessage(error),
          runId: tag.runId,
          taskId: tag.taskId,
        });
      try {
        const answer = await dispatch(request);
        record(answer, null);
        return answer;
      } catch (error) {
        record(null, error);
        throw error;
      }
    },
    ollamaHosts: () =>
      ollama.hosts().filter((host) => host.reachable && (host.coolingUntil ?? 0) <= now()),
    refresh: () => ollama.refresh(),
  };

  async function dispatch(request: BackendRequest): Promise<ModelAnswer> {
    const { provider } = request.worker;
    if (provider === "openai" || provider === "anthropic") {
      const { preferHost: _, ...rest } = request;
      return (await apis[provider]()).generate(rest);
    }
    if (provider === "ollama") {
      const { preferHost, ...rest } = request;
      return ollama.generate(preferHost ? { ...rest, preferHost } : rest);
    }
    if (!gemini) {
      return Promise.reject(
        new ModelCallError(
          "gemini",
          "unavailable",
          `${request.alias} needs GEMINI_API_KEY (or GOOGLE_API_KEY) in the server's environment`,
        ),
      );
    }
    return gemini.generate(request);
  }
}
