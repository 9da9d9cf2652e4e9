import { errorMessage } from "../errors.js";

export interface TidyOptions {
  /** Wait this long after start-up before the first step, so start-up work comes first. */
  delayMs: number;
  /** Pause between steps, so calls are answered while it runs. */
  pauseMs: number;
  onError(message: string): void;
}

/**
 * Runs `step` (one short write; true while there is more to do) in the background until it is
 * done, fails, or `stop()` is called. A failure (another process holding the write lock beyond
 * the busy timeout, a full disk) ends the tidy: the next server start tries again.
 */
export function tidyInBackground(step: () => boolean, options: TidyOptions): { stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  const next = (ms: number) => {
    timer = setTimeout(run, ms);
    timer.unref();
  };
  const run = () => {
    timer = null;
    try {
      if (step()) next(options.pauseMs);
    } catch (error) {
      options.onError(errorMessage(error));
    }
  };
  next(options.delayMs);
  return {
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
