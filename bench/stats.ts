// Percentiles and timing helpers for the benchmark.
export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)];
}

export interface Latency {
  p50: number;
  p99: number;
  n: number;
}

/** Runs `work` `iterations` times after `warmup` runs and returns p50/p99 in milliseconds. */
export async function measureLatency(work: () => Promise<unknown>, iterations: number, warmup = Math.ceil(iterations / 10)): Promise<Latency> {
  for (let i = 0; i < warmup; i++) await work();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), n: iterations };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
