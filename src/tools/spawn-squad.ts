import { z } from "zod";
import { readRun } from "../squad/records.js";
import { renderRunResult, runResult, runResultOf } from "../squad/run-result.js";
import { defineTool } from "./define-tool.js";
import { progressSender } from "./progress.js";
import { sandboxField, sandboxNote } from "./sandbox-note.js";
import { hostCall, maxCharsField } from "./squad-output.js";

const task = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe("Name for results and `after` (default t1, t2, …)."),
  command: z.string().min(1).max(20_000).optional().describe("Shell command to run."),
  prompt: z.string().min(1).max(200_000).optional().describe("Work for a model worker."),
  worker: z.string().min(1).max(100).optional().describe("Alias for a prompt; default: routed."),
  system: z.string().max(20_000).optional().describe("System prompt for a prompt task."),
  files: z
    .array(z.string().min(1).max(1_000))
    .max(100)
    .optional()
    .describe("Files the server reads into the prompt, not you."),
  cwd: z.string().min(1).max(1_000).optional().describe("Command folder, inside the project."),
  timeout_s: z.number().positive().max(86_400).optional().describe("Per-task timeout."),
  after: z
    .array(z.string().min(1).max(64))
    .max(200)
    .optional()
    .describe("Ids that must succeed first."),
});

const PROGRESS_FLUSH_MS = 20;

const input = z.strictObject({
  tasks: z
    .array(task)
    .min(1)
    .max(500)
    .describe("Commands and prompts to run; each gives command or prompt."),
  concurrency: z
    .number()
    .int()
    .min(1)
    .max(256)
    .optional()
    .describe("Commands at once (default: CPUs)."),
  fail_fast: z.boolean().optional().describe("Stop the rest at the first failure."),
  wait: z
    .boolean()
    .optional()
    .describe("false: return a run_id at once for squad_status (default true)."),
  max_chars: maxCharsField,
});

export const spawnSquadTool = defineTool({
  name: "spawn_squad",
  title: "Run a squad of tasks",
  description:
    "Run skill-free tasks in parallel: shell commands (tests, lint, type-check, grep, git) and " +
    "prompts for cheap models, with dependencies. Returns the tasks by status, each with a digest " +
    "naming failures; full output at `logs`. Long runs: wait=false.",
  input,
  output: runResult.extend({ sandbox: sandboxField }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  async handler(args, ctx, extra) {
    const waiting = args.wait !== false;
    const sender = waiting ? progressSender(extra) : null;
    // Loaded on first use: the runners and parsers are not needed to answer `initialize`.
    const { startSquad } = await import("../squad/run-squad.js");
    const run = await startSquad(
      ctx,
      await ctx.models(),
      { tasks: args.tasks, concurrency: args.concurrency, failFast: args.fail_fast ?? false },
      sender ?? undefined,
    );
    if (waiting) {
      const onAbort = () => run.cancel("cancelled by the caller");
      extra.signal.addEventListener("abort", onAbort, { once: true });
      try {
        await run.finished;
        // The SDK client drops progress that reaches it in the same read as the response; a
        // short pause lets the last "n/n done" arrive on its own.
        if (sender) await new Promise((resolve) => setTimeout(resolve, PROGRESS_FLUSH_MS));
      } finally {
        if (sender) run.listeners.delete(sender);
        extra.signal.removeEventListener("abort", onAbort);
      }
    }
    const record = readRun(ctx, run.id);
    if (!record) throw new Error(`run ${run.id} vanished from the store`);
    const maxChars = args.max_chars ?? ctx.config.squad.digestChars;
    if (!args.tasks.some((task) => task.command !== undefined)) {
      const result = runResultOf(ctx, record, maxChars, hostCall(ctx, args));
      return { structured: result, text: renderRunResult(result) };
    }
    const note = await sandboxNote(ctx);
    const result = {
      ...runResultOf(ctx, record, maxChars - note.line.length, hostCall(ctx, args)),
      ...note.field,
    };
    return { structured: result, text: renderRunResult(result) + note.line };
  },
});
