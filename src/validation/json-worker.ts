import { parentPort } from "node:worker_threads";
import { compileJsonSchema } from "./json-check.js";

/** One JSON Schema check to run in this worker thread. */
export interface JsonWorkerRequest {
  schema: unknown;
  text: string;
}

// Runs schema checks off the server's event loop, so one that takes too long can be stopped by
// terminating this thread. The schema compiled in the server first; it cannot throw here.
parentPort?.on("message", ({ schema, text }: JsonWorkerRequest) => {
  parentPort?.postMessage(compileJsonSchema(schema)(text));
});
// Loaded and listening: a check's time limit starts from here, not from the thread's start.
parentPort?.postMessage("ready");
