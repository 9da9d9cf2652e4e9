import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { clip } from "../text/clip.js";
import { compileJsonSchema, type JsonCheckResult } from "./json-check.js";
import type { JsonWorkerRequest } from "./json-worker.js";

/** A check's detail line, as a result carries it. */
const MAX_DETAIL_CHARS = 200;

/** How long one JSON Schema check may run before it is stopped and fails. */
export const JSON_CHECK_TIMEOUT_MS = 2_000;

/** How long a new worker may take to load (busy machines are slow to start threads). */
const WORKER_START_LIMIT_MS = 15_000;

/** Keywords whose cost grows faster than the output does, named when a check is stopped. */
const COSTLY_KEYWORDS = [
  "uniqueItems",
  "pattern",
  "patternProperties",
  "contains",
  "anyOf",
  "oneOf",
];

export type BoundedJsonCheck = (text: string, signal?: AbortSignal) => Promise<JsonCheckResult>;

/**
 * Compiles the schema here, so a bad one is an input error before anything runs, and returns a
 * check that runs in a worker thread, stopped after `timeoutMs`: a schema such as
 * `uniqueItems` over a large array is quadratic, and the server must keep answering meanwhile.
 */
export function prepareJsonCheck(
  schema: unknown,
  timeoutMs = JSON_CHECK_TIMEOUT_MS,
): BoundedJsonCheck {
  compileJsonSchema(schema);
  return (text, signal) => runInWorker({ schema, text }, timeoutMs, signal);
}

/** One idle worker is kept (unreferenced) for the next check; a busy one is never shared. */
let idle: Worker | undefined;

async function runInWorker(
  request: JsonWorkerRequest,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<JsonCheckResult> {
  let worker = idle;
  idle = undefined;
  if (!worker) {
    worker = new Worker(workerFile());
    const problem = await startProblem(worker, signal);
    if (problem) {
      void worker.terminate();
      return { pass: false, detail: problem };
    }
  }
  return check(worker, request, timeoutMs, signal);
}

/** Waits for a new worker's "ready"; says why it did not come, or null. */
function startProblem(worker: Worker, signal: AbortSignal | undefined): Promise<string | null> {
  return new Promise((resolve) => {
    const done = (problem: string | null) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      worker.off("message", onReady);
      worker.off("error", onError);
      worker.off("exit", onExit);
      resolve(problem);
    };
    const onReady = () => done(null);
    const onError = (error: Error) =>
      done(clip(`the schema check could not start: ${error.message}`, MAX_DETAIL_CHARS));
    const onExit = () => done("the schema check could not start");
    const onAbort = () => done("cancelled");
    const timer = setTimeout(
      () => done(`the schema check did not start within ${WORKER_START_LIMIT_MS} ms`),
      WORKER_START_LIMIT_MS,
    );
    worker.once("message", onReady);
    worker.on("error", onError);
    worker.on("exit", onExit);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function check(
  worker: Worker,
  request: JsonWorkerRequest,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<JsonCheckResult> {
  worker.ref();
  return new Promise((resolve) => {
    const finish = (result: JsonCheckResult, reusable: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      if (reusable && !idle) {
        worker.unref();
        idle = worker;
        // A parked worker that dies is not handed out again.
        worker.once("exit", () => {
          if (idle === worker) idle = undefined;
        });
      } else {
        void worker.terminate();
      }
      resolve(result);
    };
    const onMessage = (result: JsonCheckResult) => finish(result, true);
    const onError = (error: Error) =>
      finish(
        {
          pass: false,
          detail: clip(`the schema check failed: ${error.message}`, MAX_DETAIL_CHARS),
        },
        false,
      );
    const onExit = () =>
      finish({ pass: false, detail: "the schema check stopped unexpectedly" }, false);
    const onAbort = () => finish({ pass: false, detail: "cancelled" }, false);
    const timer = setTimeout(
      () => finish({ pass: false, detail: timeoutDetail(request.schema, timeoutMs) }, false),
      timeoutMs,
    );
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.postMessage(request);
  });
}

function timeoutDetail(schema: unknown, timeoutMs: number): string {
  const used = COSTLY_KEYWORDS.filter((keyword) => usesKeyword(schema, keyword));
  const cause = used.length > 0 ? `its ${used.join(", ")} cost too much` : "it costs too much";
  return clip(
    `gave up after ${timeoutMs} ms checking the output against the schema: ${cause} on this output; simplify the schema or check less at once`,
    MAX_DETAIL_CHARS,
  );
}

function usesKeyword(schema: unknown, keyword: string): boolean {
  if (typeof schema !== "object" || schema === null) return false;
  if (Array.isArray(schema)) return schema.some((item) => usesKeyword(item, keyword));
  return Object.entries(schema).some(
    ([key, value]) => (key === keyword && value !== false) || usesKeyword(value, keyword),
  );
}

/**
 * Beside this module once built (bundle/ or dist/validation/); from the TypeScript sources, as
 * under vitest, the compiled copy in dist/.
 */
function workerFile(): URL {
  const candidates = [
    new URL("./json-worker.js", import.meta.url),
    new URL("../../dist/validation/json-worker.js", import.meta.url),
  ];
  const found = candidates.find((candidate) => existsSync(fileURLToPath(candidate)));
  if (!found) {
    throw new Error(
      `the JSON Schema worker is missing (looked for ${candidates.map((c) => fileURLToPath(c)).join(", ")}); run npm run build`,
    );
  }
  return found;
}
