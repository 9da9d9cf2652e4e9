import { statfs } from "node:fs/promises";
import { dirname } from "node:path";
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
  const full = await cutByFullDisk(result.status, task.logFile);
  const status = full ? "error" : result.status;
  const why = full
    ? `disk full writing ${task.logFile} (${result.logBytes} bytes written); free space and run it again`
    : result.status === "ok" || result.status === "failed"
      ? null
      : result.problem;
  const text = why ? `${why}\n${digest.text}` : digest.text;
  return {
    ...outcomeWithout(status, text),
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

/** Less room than this left on the log's file system counts as full. */
const FULL_BELOW_BYTES = 64 * 1024;

/**
 * A command that failed while the file system holding its log has no room left: its output
 * was cut short by the full disk (the command's own writes failed), so its exit says nothing.
 */
async function cutByFullDisk(status: string, logFile: string): Promise<boolean> {
  if (status !== "failed" && status !== "error") return false;
  try {
    const space = await statfs(dirname(logFile));
    return space.bavail * space.bsize < FULL_BELOW_BYTES;
  } catch {
    return false;
  }
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? "";
}
