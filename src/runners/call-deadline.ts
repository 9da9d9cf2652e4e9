/**
 * One signal for a whole model call, retries and waits included, that fires on the caller's
 * abort or when `timeoutMs` runs out, and remembers which of the two it was.
 */
export interface CallDeadline {
  signal: AbortSignal;
  /** Why the signal fired, or null while it has not. */
  stoppedBy(): "cancelled" | "timeout" | null;
  /** Clears the timer and the listener on the caller's signal. */
  dispose(): void;
}

export function callDeadline(caller: AbortSignal | undefined, timeoutMs?: number): CallDeadline {
  const controller = new AbortController();
  let reason: "cancelled" | "timeout" | null = null;
  const stop = (why: "cancelled" | "timeout") => {
    if (reason !== null) return;
    reason = why;
    controller.abort(new Error(why));
  };
  const onCallerAbort = () => stop("cancelled");
  if (caller?.aborted) onCallerAbort();
  else caller?.addEventListener("abort", onCallerAbort, { once: true });
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop("timeout"), timeoutMs);
  return {
    signal: controller.signal,
    stoppedBy: () => reason,
    dispose() {
      clearTimeout(timer);
      caller?.removeEventListener("abort", onCallerAbort);
    },
  };
}
