import type { AppContext } from "../context.js";

export interface ProgressUpdate {
  progress: number;
  total: number;
  message: string;
}

/** A run this process is executing; other processes only see its rows. */
export interface ActiveRun {
  id: string;
  finished: Promise<void>;
  cancel(reason: string): void;
  /** Progress listeners, e.g. a squad_status call waiting on the run. */
  listeners: Set<(update: ProgressUpdate) => void>;
}

const active = new WeakMap<AppContext, Map<string, ActiveRun>>();

/** The runs this process executes, by id. Kept apart from the runner so start-up stays light. */
export function activeRuns(ctx: AppContext): Map<string, ActiveRun> {
  let runs = active.get(ctx);
  if (!runs) {
    runs = new Map();
    active.set(ctx, runs);
  }
  return runs;
}
