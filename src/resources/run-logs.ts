import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import type { AppContext } from "../context.js";
import { readLogSample } from "../runners/log-reader.js";
import { logUri } from "../squad/run-result.js";
import { stripControl } from "../text/control.js";
import { RESOURCE_NOT_FOUND } from "./not-found.js";

/** A log bigger than their sum is returned as its head and tail; the file keeps everything. */
const HEAD_BYTES = 64_000;
const TAIL_BYTES = 936_000;
/** Runs listed by resources/list; older ones stay readable by URI. */
const LISTED_RUNS = 20;

export function registerRunLogs(server: McpServer, ctx: AppContext): void {
  const template = new ResourceTemplate("squad://runs/{run_id}/{task_id}", {
    list: () => ({
      resources: ctx.store.runs.recent(LISTED_RUNS).flatMap((run) =>
        ctx.store.runs
          .tasks(run.id)
          .filter((task) => task.log !== null)
          .map((task) => ({
            uri: logUri(run.id, task.taskId),
            name: `${run.id}/${task.taskId}`,
            title: `${task.label} (${task.status})`,
            mimeType: "text/plain",
          })),
      ),
    }),
  });
  server.registerResource(
    "run-log",
    template,
    {
      title: "Squad task log",
      description: "Full output of one spawn_squad task.",
      mimeType: "text/plain",
    },
    async (uri, variables) => {
      const runId = decodeURIComponent(String(variables.run_id));
      const taskId = decodeURIComponent(String(variables.task_id));
      const task = ctx.store.runs.tasks(runId).find((t) => t.taskId === taskId);
      if (!task?.log) {
        const why = ctx.store.runs.get(runId) ? `no log for task '${taskId}'` : `no run '${runId}'`;
        throw new McpError(RESOURCE_NOT_FOUND, `${uri.href}: ${why}`);
      }
      const text = await readBounded(task.log).catch((error: NodeJS.ErrnoException) => {
        throw new McpError(RESOURCE_NOT_FOUND, `${uri.href}: log file ${task.log} (${error.code})`);
      });
      // Shown to the host as text: a carriage return becomes a line break, escapes go.
      const shown = stripControl(text.replace(/\r\n?/g, "\n"));
      return { contents: [{ uri: uri.href, mimeType: "text/plain", text: shown }] };
    },
  );
}

async function readBounded(file: string): Promise<string> {
  const { head, tail, skippedBytes } = await readLogSample(file, HEAD_BYTES, TAIL_BYTES);
  if (skippedBytes === 0) return head + tail;
  return `${head}… ${skippedBytes} bytes skipped; the whole log is ${file} …\n${tail}`;
}
