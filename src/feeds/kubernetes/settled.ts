// A gate that opens once each of its parts has settled: been listed, or failed to be, once. The
// watcher reads a scope's pods only after its ReplicaSets and Jobs (to name their workloads), and its
// vulnerability reports only after its pods (to find their digests); a part that fails must not hold
// the next back for good.
export class Settled {
  private readonly pending: Set<string>;
  private readonly settled: Promise<void>;
  private resolve!: () => void;

  constructor(parts: string[]) {
    this.pending = new Set(parts);
    this.settled = new Promise((resolve) => (this.resolve = resolve));
  }

  settle(part: string): void {
    if (this.pending.delete(part) && this.pending.size === 0) this.resolve();
  }

  /** True once settled; false if `signal` aborts first. */
  wait(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const aborted = () => resolve(false);
      signal.addEventListener('abort', aborted, { once: true });
      void this.settled.then(() => (signal.removeEventListener('abort', aborted), resolve(true)));
    });
  }
}
