// Jittered exponential backoff between reconnects: 1 s, 2 s, 4 s ... up to 60 s, each wait drawn
// between half and all of that step ("equal jitter"), so that many watchers that lost the same API
// server do not come back in step. IMAGESCOPE_FEED_BACKOFF_MS scales the first step (tests).
export class Backoff {
  private failures = 0;

  constructor(
    private readonly firstMs = Number(process.env.IMAGESCOPE_FEED_BACKOFF_MS ?? 1_000),
    private readonly maxMs = Math.max(firstMs, 60 * firstMs),
  ) {}

  /** The wait before the next attempt; each call doubles the step. */
  next(): number {
    const step = Math.min(this.maxMs, this.firstMs * 2 ** this.failures++);
    return step / 2 + Math.random() * (step / 2);
  }

  /** The longest wait, for faults that deserve a slow retry (a missing permission). */
  slowest(): number {
    return this.maxMs;
  }

  reset(): void {
    this.failures = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
