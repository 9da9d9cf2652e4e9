import { errorMessage } from "../errors.js";

export interface OpenAIServerStatus {
  baseUrl: string;
  reachable: boolean;
  /** The server answered 401 or 403 to the key. */
  keyRejected: boolean;
  /** Why the server could not be used, in the words of the failure. */
  error: string | null;
  /** Model ids from `GET /models`; empty when the server lists none. */
  models: string[];
  checkedAt: number;
}

/** One bounded look at an OpenAI-compatible server: `GET {baseUrl}/models`. */
export async function probeOpenAIServer(
  baseUrl: string,
  key: string | undefined,
  timeoutMs: number,
  now: () => number,
): Promise<OpenAIServerStatus> {
  const status = { baseUrl, reachable: false, keyRejected: false, models: [] as string[] };
  try {
    const response = await fetch(`${baseUrl.replace(/\/+$/, "")}/models`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      return {
        ...status,
        reachable: true,
        keyRejected: true,
        error: serverMessage(response.status, text),
        checkedAt: now(),
      };
    }
    if (!response.ok) {
      // Some servers do not implement the listing; they still answer, so chat may work.
      return { ...status, reachable: true, error: null, checkedAt: now() };
    }
    return { ...status, reachable: true, error: null, models: modelIds(text), checkedAt: now() };
  } catch (error) {
    const why =
      error instanceof Error && error.name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : fetchFailure(error);
    return { ...status, error: why, checkedAt: now() };
  }
}

function modelIds(text: string): string[] {
  try {
    const body = JSON.parse(text) as { data?: unknown };
    if (!Array.isArray(body.data)) return [];
    return body.data.flatMap((entry: unknown) => {
      const id = (entry as { id?: unknown } | null)?.id;
      return typeof id === "string" ? [id] : [];
    });
  } catch {
    return [];
  }
}

function serverMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string };
    const message = typeof body.error === "string" ? body.error : body.error?.message;
    if (typeof message === "string" && message) return `${status} ${message.slice(0, 200)}`;
  } catch {
    // Not JSON: the status says enough.
  }
  return `HTTP ${status}`;
}

/** fetch says "fetch failed"; the cause says why (ECONNREFUSED, ENOTFOUND). */
function fetchFailure(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause ? `${errorMessage(error)}: ${errorMessage(cause)}` : errorMessage(error);
}
