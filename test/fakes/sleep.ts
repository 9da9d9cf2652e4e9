/**
 * A sleep that `signal` ends early, so a fake's close() does not wait out the delays of the
 * replies it is still holding back.
 */
export function sleepUntilAborted(signal: AbortSignal): (ms: number) => Promise<void> {
  return (ms) => {
    if (ms <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done);
    });
  };
}
