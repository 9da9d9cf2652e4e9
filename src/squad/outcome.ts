import type { FinalTaskStatus } from "../memory/runs.js";

export interface FailureLine {
  id: string;
  line?: number | undefined;
  message: string;
}

/** How one task ended, as the scheduler and the result shaper see it. */
export interface TaskOutcome {
  status: FinalTaskStatus;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  worker: string | null;
  model: string | null;
  /** The Ollama host that answered a prompt. */
  host: string | null;
  /** What the host reads about the task: bounded, failures named. */
  digest: string;
  /** One line, for progress messages: "pytest: 12 failed, 200 passed". */
  summary: string;
  counts: Record<string, number>;
  failures: FailureLine[];
  failuresOmitted: number;
  /** Bytes of output the host did not have to read. */
  rawBytes: number;
  /** Bytes of attached files that went to the worker without passing through the host. */
  fileBytes: number;
  /** Full output on disk, or null when nothing ran. */
  logFile: string | null;
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
