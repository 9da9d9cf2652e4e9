import { Ollama } from "ollama";
import { errorMessage } from "../errors.js";

export interface OllamaHostStatus {
  host: string;
  reachable: boolean;
  /** Why the host could not be used, in the words of the failure. */
  error: string | null;
  version: string | null;
  models: string[];
  loaded: string[];
  checkedAt: number;
}

/** An Ollama client whose every request gives up after `timeoutMs`. */
export function ollamaClient(host: string, timeoutMs?: number): Ollama {
  if (timeoutMs === undefined) return new Ollama({ host });
  const timed: typeof fetch = (input, init) =>
    fetch(input, { ...init, signal: mergeSignals(init?.signal, AbortSignal.timeout(timeoutMs)) });
  return new Ollama({ host, fetch: timed });
}

/** An Ollama client whose every request stops when `signal` aborts (a cancelled task, a deadline). */
export function ollamaClientWithSignal(host: string, signal: AbortSignal): Ollama {
  const bound: typeof fetch = (input, init) =>
    fetch(input, { ...init, signal: mergeSignals(init?.signal, signal) });
  return new Ollama({ host, fetch: bound });
}

function mergeSignals(first: AbortSignal | null | undefined, second: AbortSignal): AbortSignal {
  return first ? AbortSignal.any([first, second]) : second;
}

/** One look at a host: its version, the models it has, the models in memory. */
export async function probeOllamaHost(
  host: string,
  timeoutMs: number,
  now: () => number,
): Promise<OllamaHostStatus> {
  const client = ollamaClient(host, timeoutMs);
  try {
    const [version, tags, ps] = await Promise.all([client.version(), client.list(), client.ps()]);
    return {
      host,
      reachable: true,
      error: null,
      version: version.version,
      models: tags.models.map((model) => model.name),
      loaded: ps.models.map((model) => model.name),
      checkedAt: now(),
    };
  } catch (error) {
    return {
      host,
      reachable: false,
      error: describeFailure(error, timeoutMs),
      version: null,
      models: [],
      loaded: [],
      checkedAt: now(),
    };
  }
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "ECONNREFUSED") return "connection refused (is `ollama serve` running?)";
  if ((error as Error).name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${errorMessage(error)} (${detail})` : errorMessage(error);
}

/** Ollama treats `qwen3` and `qwen3:latest` as one model. */
export function sameModel(a: string, b: string): boolean {
  const full = (name: string) => (name.includes(":") ? name : `${name}:latest`);
  return full(a) === full(b);
}
