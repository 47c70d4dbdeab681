// Token-bucket throttling per account and operation. Each replica keeps its own buckets (a client
// spread over N replicas may get up to N times the rate); that is the usual trade for not adding a
// shared store round trip to every request.
export interface ThrottleSettings {
  /** Sustained requests per second per account and operation. */
  ratePerSecond: number;
  /** Requests allowed in a burst above the sustained rate. */
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const maxBuckets = 100_000;

export class Throttle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly settings: ThrottleSettings) {}

  /** Takes one token; returns 0 when allowed, else the whole seconds to wait (for Retry-After). */
  take(key: string, now: number): number {
    const { ratePerSecond, burst } = this.settings;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= maxBuckets) this.buckets.clear(); // bounded memory under key floods
      bucket = { tokens: burst, updatedAt: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * ratePerSecond);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerSecond));
  }
}
