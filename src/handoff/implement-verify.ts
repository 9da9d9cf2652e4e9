import type { AppContext } from "../context.js";
import { runCommand } from "../runners/command.js";
import { childEnvironment, denialMessage, deniedBy } from "../runners/command-policy.js";
import { digestLogFile } from "../squad/digest/index.js";
import { formatSeconds } from "../squad/execute-command.js";

export interface WorktreeVerification {
  passed: boolean;
  /** null when the command did not exit by itself (refused, timed out, cancelled, not started). */
  exitCode: number | null;
  digest: string;
  /** "verification failed (exit 1)", "verification passed", …: for progress and prompts. */
  summary: string;
  /** Refused by the deny list: running it again will not help. */
  denied: boolean;
  cancelled: boolean;
}

export interface VerifyOptions {
  command: string;
  /** The project's folder inside the worktree. */
  cwd: string;
  logFile: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * Runs a spec's verification command in a worktree under the command policy (deny list, secrets
 * stripped from the environment, timeout, process group killed on cancel). Not executeCommand:
 * that confines `cwd` to the project and configured roots, and a worktree lives in a temp folder.
 */
export async function verifyInWorktree(
  ctx: AppContext,
  options: VerifyOptions,
): Promise<WorktreeVerification> {
  const { command, logFile, timeoutMs } = options;
  const rule = deniedBy(command, ctx.config.commands.deny);
  if (rule) {
    const message = denialMessage(rule.rule);
    return {
      passed: false,
      exitCode: null,
      digest: message,
      summary: `verification ${message}`,
      denied: true,
      cancelled: false,
    };
  }
  const result = await runCommand({
    command,
    cwd: options.cwd,
    env: childEnvironment(ctx.env, ctx.config.commands.envAllow),
    timeoutMs,
    killGraceMs: ctx.config.commands.killGraceMs,
    logFile,
    signal: options.signal,
  });
  const digest = await digestLogFile(
    logFile,
    { command, exitCode: result.exitCode },
    { maxChars: ctx.config.squad.digestChars, maxFailures: ctx.config.squad.maxFailures },
  );
  let why: string | null = null;
  if (result.spawnError !== null) why = `could not start: ${result.spawnError}`;
  else if (result.cancelled) why = "cancelled; process group killed";
  else if (result.timedOut) {
    why = `timed out after ${formatSeconds(timeoutMs)}; process group killed`;
  }
  const passed = why === null && result.exitCode === 0;
  const text = why ? `${why}\n${digest.text}` : digest.text;
  return {
    passed,
    exitCode: result.exitCode,
    digest: text.slice(0, ctx.config.squad.digestChars),
    summary: passed
      ? "verification passed"
      : `verification ${why ? why.split(";")[0] : `failed (exit ${result.exitCode})`}`,
    denied: false,
    cancelled: result.cancelled,
  };
}
