import type { AppContext } from "../context.js";
import { type CommandOutcome, runAndDigest } from "../runners/command-outcome.js";

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
  /** The worktree's top folder: the only one the verification may write to. */
  root: string;
  logFile: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * Runs a spec's verification command in a worktree under the command policy. It runs code a
 * model wrote, so it is confined to the worktree: in the sandbox nothing else is writable, the
 * user's tree and `.git` included.
 */
export async function verifyInWorktree(
  ctx: AppContext,
  options: VerifyOptions,
): Promise<WorktreeVerification> {
  const outcome = await runAndDigest(ctx, options);
  const passed = outcome.status === "ok";
  return {
    passed,
    exitCode: outcome.exitCode,
    digest: outcome.digest,
    summary: verificationSummary(outcome),
    denied: outcome.status === "denied",
    cancelled: outcome.status === "cancelled",
  };
}

function verificationSummary(outcome: CommandOutcome): string {
  if (outcome.status === "ok") return "verification passed";
  if (outcome.status === "failed") return `verification failed (exit ${outcome.exitCode})`;
  // Refused, timed out, cancelled or not started: the summary says which, first clause first.
  return `verification ${outcome.summary.split(";")[0]}`;
}
