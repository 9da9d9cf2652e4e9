/** Sleeps `ms`, or rejects as soon as `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

const WINDOW_MS = 60_000;

/**
 * A sliding one-minute window of request start times per key: the same shape as the API's own
 * per-minute quota, so keeping under it locally spares the 429 and its retry delay.
 */
export class MinuteWindow {
  private readonly starts = new Map<string, number[]>();

  constructor(
    private readonly now: () => number,
    private readonly sleep: Sleep,
  ) {}

  /**
   * Waits until `key` has started fewer than `limit` requests in the last minute, then counts
   * one more. Returns how long it waited (ms). No limit: no wait.
   */
  async acquire(
    key: string,
    limit: number | undefined,
    signal?: AbortSignal,
    onWait?: (ms: number) => void,
  ): Promise<number> {
    const began = this.now();
    if (limit === undefined) return 0;
    for (;;) {
      signal?.throwIfAborted();
      const at = this.now();
      const recent = (this.starts.get(key) ?? []).filter((start) => start > at - WINDOW_MS);
      this.starts.set(key, recent);
      const oldest = recent[0];
      // Checked and recorded without an await in between, so concurrent callers never overbook.
      if (oldest === undefined || recent.length < limit) {
        recent.push(at);
        return at - began;
      }
      onWait?.(oldest + WINDOW_MS - at);
      await this.sleep(oldest + WINDOW_MS - at, signal);
    }
  }
}
