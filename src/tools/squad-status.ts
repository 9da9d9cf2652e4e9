import { z } from "zod";
import { UserInputError } from "../errors.js";
import { processAlive } from "../runners/process-group.js";
import { activeRuns } from "../squad/active-runs.js";
import { readRun } from "../squad/records.js";
import { renderRunResult, runResult, runResultOf } from "../squad/run-result.js";
import { defineTool } from "./define-tool.js";
import { followProgress } from "./progress.js";
import { hostCall, maxCharsField } from "./squad-output.js";

const input = z.strictObject({
  run_id: z.string().min(1).max(64).describe("The run_id spawn_squad returned."),
  wait_s: z
    .number()
    .min(0)
    .max(600)
    .optional()
    .describe("Wait up to this long for the run to end (default 0: report now)."),
  max_chars: maxCharsField,
});

/** How often a run executed by another server process is re-read while waiting. */
const POLL_MS = 250;

export const squadStatusTool = defineTool({
  name: "squad_status",
  title: "Squad run status",
  description:
    "A spawn_squad run's progress or result, in spawn_squad's shape. wait_s waits for the end.",
  input,
  output: runResult,
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handler(args, ctx, extra) {
    // A run another server was executing when it died would otherwise read "running" forever.
    ctx.store.runs.markInterrupted(processAlive, ctx.now());
    const known = readRun(ctx, args.run_id);
    if (!known) {
      const recent = ctx.store.runs
        .recent(5)
        .map((run) => run.id)
        .join(", ");
      throw new UserInputError(
        "run_id",
        `no run '${args.run_id}'${recent ? ` (recent: ${recent})` : ""}`,
      );
    }
    const waitMs = (args.wait_s ?? 0) * 1000;
    if (known.status === "running" && waitMs > 0) {
      const deadline = AbortSignal.any([extra.signal, AbortSignal.timeout(waitMs)]);
      const here = activeRuns(ctx).get(args.run_id);
      if (here) {
        const stop = followProgress(here, extra);
        await Promise.race([here.finished, aborted(deadline)]).finally(stop);
      } else {
        while (!deadline.aborted && readRun(ctx, args.run_id)?.status === "running") {
          await Promise.race([sleep(POLL_MS), aborted(deadline)]);
          ctx.store.runs.markInterrupted(processAlive, ctx.now());
        }
      }
    }
    const record = readRun(ctx, args.run_id) ?? known;
    const result = runResultOf(
      ctx,
      record,
      args.max_chars ?? ctx.config.squad.digestChars,
      hostCall(ctx, args),
    );
    return { structured: result, text: renderRunResult(result) };
  },
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true }),
  );
}
