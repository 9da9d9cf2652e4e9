import type { AppContext } from "../context.js";
import { runAndDigest } from "../runners/command-outcome.js";
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

/** Runs one command task and reports it as the squad reports every task. */
export async function executeCommand(ctx: AppContext, task: CommandTask): Promise<TaskOutcome> {
  const outcome = await runAndDigest(ctx, task);
  return { ...outcomeWithout(outcome.status, outcome.digest), ...outcome };
}
