import { existsSync } from "node:fs";
import { statfs } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { AppContext } from "../context.js";
import { errorMessage } from "../errors.js";
import type { FinalTaskStatus } from "../memory/runs.js";
import { type CommandResult, runCommand } from "../runners/command.js";
import {
  childEnvironment,
  denialMessage,
  deniedBy,
  resolveCommandCwd,
} from "../runners/command-policy.js";
import { digestLogFile } from "./digest/index.js";
import { outcomeWithout, type TaskOutcome } from "./outcome.js";
import type { PlannedCommand } from "./plan.js";

/** Where a task's `cwd` leads, or the outcome of a task that may not run there. */
type CommandFolder = { cwd: string } | { refused: TaskOutcome };

/** Resolves each distinct `cwd` of a squad once: most of its tasks share one or two. */
export function commandFolders(ctx: AppContext): (cwd: string | undefined) => CommandFolder {
  const known = new Map<string | undefined, CommandFolder>();
  return (cwd) => {
    let folder = known.get(cwd);
    if (folder === undefined) {
      folder = commandFolder(ctx, cwd);
      known.set(cwd, folder);
    }
    return folder;
  };
}

function commandFolder(ctx: AppContext, cwd: string | undefined): CommandFolder {
  try {
    return {
      cwd: resolveCommandCwd(cwd, ctx.projectRoot, ctx.config.commands.roots, ctx.userHome),
    };
  } catch (error) {
    const missing = cwd !== undefined && !existsSync(resolve(ctx.projectRoot, cwd));
    return { refused: outcomeWithout(missing ? "error" : "denied", errorMessage(error)) };
  }
}

/** Runs one command task under the command policy and digests what it printed. */
export async function executeCommand(
  ctx: AppContext,
  task: PlannedCommand,
  logFile: string,
  signal: AbortSignal,
  folderOf: (cwd: string | undefined) => CommandFolder = (cwd) => commandFolder(ctx, cwd),
): Promise<TaskOutcome> {
  const rule = deniedBy(task.command, ctx.config.commands.deny);
  if (rule) return outcomeWithout("denied", denialMessage(rule.rule));
  const folder = folderOf(task.cwd);
  if ("refused" in folder) return folder.refused;
  return runAndDigest(ctx, {
    command: task.command,
    cwd: folder.cwd,
    timeoutMs: task.timeoutMs,
    logFile,
    signal,
  });
}

export interface FolderCommand {
  command: string;
  /** Already resolved and allowed; e.g. a worktree outside the project. */
  cwd: string;
  timeoutMs: number;
  logFile: string;
  signal: AbortSignal;
}

/**
 * Runs a command in a folder the caller has already vetted, under the rest of the command
 * policy (deny list, secrets stripped, timeout, process group killed), and digests it.
 */
export async function executeCommandIn(ctx: AppContext, run: FolderCommand): Promise<TaskOutcome> {
  const rule = deniedBy(run.command, ctx.config.commands.deny);
  if (rule) return outcomeWithout("denied", denialMessage(rule.rule));
  return runAndDigest(ctx, run);
}

async function runAndDigest(ctx: AppContext, run: FolderCommand): Promise<TaskOutcome> {
  const result = await runCommand({
    command: run.command,
    cwd: run.cwd,
    env: childEnvironment(ctx.env, ctx.config.commands.envAllow),
    timeoutMs: run.timeoutMs,
    killGraceMs: ctx.config.commands.killGraceMs,
    launcher: ctx.config.commands.launcher,
    logFile: run.logFile,
    signal: run.signal,
    // The digest reads the log itself; a tail read here would be the same bytes twice.
    tailBytes: 0,
  });
  const full = await cutByFullDisk(result, run.logFile);
  const status = full ? "error" : commandStatus(result);
  const digest = await digestLogFile(
    run.logFile,
    { command: run.command, exitCode: result.exitCode },
    { maxChars: ctx.config.squad.digestChars, maxFailures: ctx.config.squad.maxFailures },
    result.bytes,
  );
  const why = full
    ? `disk full writing ${run.logFile} (${result.bytes} bytes written); free space and run it again`
    : statusNote(status, result, run.timeoutMs);
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
    rawBytes: result.bytes,
    logFile: run.logFile,
  };
}

/** Less room than this left on the log's file system counts as full. */
const FULL_BELOW_BYTES = 64 * 1024;

/**
 * A command that failed while the file system holding its log has no room left: its output
 * was cut short by the full disk (the command's own writes failed), so its exit says nothing.
 */
async function cutByFullDisk(result: CommandResult, logFile: string): Promise<boolean> {
  if (result.exitCode === 0 || result.timedOut || result.cancelled) return false;
  try {
    const space = await statfs(dirname(logFile));
    return space.bavail * space.bsize < FULL_BELOW_BYTES;
  } catch {
    return false;
  }
}

function commandStatus(result: CommandResult): FinalTaskStatus {
  if (result.spawnError !== null) return "error";
  if (result.cancelled) return "cancelled";
  if (result.timedOut) return "timeout";
  return result.exitCode === 0 ? "ok" : "failed";
}

function statusNote(
  status: FinalTaskStatus,
  result: CommandResult,
  timeoutMs: number,
): string | null {
  if (status === "error") return result.spawnError;
  if (status === "timeout") {
    return `timed out after ${formatSeconds(timeoutMs)}; process group killed (${result.signal ?? "SIGKILL"})`;
  }
  if (status === "cancelled") return "cancelled; process group killed";
  return null;
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? "";
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
