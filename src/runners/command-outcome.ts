import { statfs } from "node:fs/promises";
import { dirname } from "node:path";
import type { CommandRequest, CommandRunner, CommandStatus } from "./command-runner.js";

/** What the host reads of a command's log. */
export interface LogDigest {
  text: string;
  counts: Record<string, number>;
  failures: { id: string; line?: number | undefined; message: string }[];
  failuresOmitted: number;
}

/** Reads a command's log into a digest; the context supplies the squad's digests. */
export type DigestLog = (
  logFile: string,
  input: { command: string; exitCode: number | null; cwd?: string | undefined },
  options: { maxChars: number; maxFailures: number },
  logBytes: number,
) => Promise<LogDigest>;

/** How a command ended, digested: what the squad, validate_output and implement_spec report. */
export interface CommandOutcome {
  status: CommandStatus;
  /** null when the command never exited by itself (refused, timed out, cancelled). */
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** Bounded, failures named; the reason first when the command did not simply pass or fail. */
  digest: string;
  /** One line, for progress messages: "pytest: 12 failed, 200 passed". */
  summary: string;
  counts: Record<string, number>;
  failures: LogDigest["failures"];
  failuresOmitted: number;
  /** Bytes of output the host did not have to read. */
  rawBytes: number;
  /** Full output on disk, or null when nothing ran. */
  logFile: string | null;
}

/** What running and digesting a command needs; the app context is one. */
export interface DigestingRunner {
  commands: Pick<CommandRunner, "run">;
  digestLog: DigestLog;
  config: { squad: { digestChars: number; maxFailures: number } };
}

/** Runs one command through the runner (and its policy) and digests what it printed. */
export async function runAndDigest(
  ctx: DigestingRunner,
  request: CommandRequest,
): Promise<CommandOutcome> {
  const result = await ctx.commands.run(request);
  if (result.status === "denied" || (result.status === "error" && result.logBytes === 0)) {
    return notRun(result.status, result.problem ?? result.status);
  }
  const digest = await ctx.digestLog(
    request.logFile,
    { command: request.command, exitCode: result.exitCode, cwd: result.cwd ?? undefined },
    { maxChars: ctx.config.squad.digestChars, maxFailures: ctx.config.squad.maxFailures },
    result.logBytes,
  );
  const full = await cutByFullDisk(result.status, request.logFile);
  const status = full ? "error" : result.status;
  const why = full
    ? `disk full writing ${request.logFile} (${result.logBytes} bytes written); free space and run it again`
    : result.status === "ok" || result.status === "failed"
      ? null
      : result.problem;
  const text = why ? `${why}\n${digest.text}` : digest.text;
  return {
    status,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: result.durationMs,
    digest: text.slice(0, ctx.config.squad.digestChars),
    summary: why ?? firstLine(digest.text),
    counts: digest.counts,
    failures: digest.failures,
    failuresOmitted: digest.failuresOmitted,
    rawBytes: result.logBytes,
    logFile: request.logFile,
  };
}

/** A command that never started: the reason, and no exit, output or log. */
function notRun(status: CommandStatus, why: string): CommandOutcome {
  return {
    status,
    digest: why,
    summary: why,
    exitCode: null,
    signal: null,
    durationMs: 0,
    counts: {},
    failures: [],
    failuresOmitted: 0,
    rawBytes: 0,
    logFile: null,
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
