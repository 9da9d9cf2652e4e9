import type { AppContext } from "../context.js";
import { digestLogFile } from "./digest/index.js";
import { outcomeWithout, type TaskOutcome } from "./outcome.js";

export interface CommandTask {
  command: string;
  /** Relative to the project root or absolute; checked against the allowed roots. */
  cwd?: string | undefined;
  /** Confines the command to this folder instead (see CommandRequest.root). */
  root?: string | undefined;
  timeoutMs: number;
  logFile: string;
  signal: AbortSignal;
}

/** Runs one command through the context's runner (and its policy) and digests what it printed. */
export async function executeCommand(ctx: AppContext, task: CommandTask): Promise<TaskOutcome> {
  const result = await ctx.commands.run(task);
  if (result.status === "denied" || (result.status === "error" && result.logBytes === 0)) {
    return outcomeWithout(result.status, result.problem ?? result.status);
  }
  const digest = await digestLogFile(
    task.logFile,
    { command: task.command, exitCode: result.exitCode },
    { maxChars: ctx.config.squad.digestChars, maxFailures: ctx.config.squad.maxFailures },
    result.logBytes,
  );
  const why = result.status === "ok" || result.status === "failed" ? null : result.problem;
  const text = why ? `${why}\n${digest.text}` : digest.text;
  return {
    ...outcomeWithout(result.status, text),
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: result.durationMs,
    digest: text.slice(0, ctx.config.squad.digestChars),
    summary: why ?? firstLine(digest.text),
    counts: digest.counts,
    failures: digest.failures,
    failuresOmitted: digest.failuresOmitted,
    rawBytes: result.logBytes,
    logFile: task.logFile,
  };
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? "";
}
