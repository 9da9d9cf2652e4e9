import type { CommandOutcome } from "../runners/command-outcome.js";
import type { FinalTaskStatus } from "./status.js";

/**
 * How one task ended, as the scheduler and the result shaper see it: what a command reports,
 * with what a prompt task adds (the worker that answered, its tokens, the files it was sent).
 */
export interface TaskOutcome extends Omit<CommandOutcome, "status"> {
  status: FinalTaskStatus;
  worker: string | null;
  model: string | null;
  /** The Ollama host that answered a prompt. */
  host: string | null;
  /** Bytes of attached files that went to the worker without passing through the host. */
  fileBytes: number;
  tokensIn: number | null;
  tokensOut: number | null;
  decisionId: string | null;
  notes: string[];
}

export function outcomeWithout(
  status: FinalTaskStatus,
  why: string,
  extra: Partial<TaskOutcome> = {},
): TaskOutcome {
  return {
    status,
    exitCode: null,
    signal: null,
    durationMs: 0,
    worker: null,
    model: null,
    host: null,
    digest: why,
    summary: why,
    counts: {},
    failures: [],
    failuresOmitted: 0,
    rawBytes: 0,
    fileBytes: 0,
    logFile: null,
    tokensIn: null,
    tokensOut: null,
    decisionId: null,
    notes: [],
    ...extra,
  };
}
