// A cache whose entries hold for one change stamp of the store (Store.changeStamp): the first
// lookup under a new stamp empties it. An entry is stored only under the stamp it was computed
// after, so a value read while another commit landed is never kept past that commit.
import { LRUCache } from 'lru-cache';

export class StampedCache<V extends {}> {
  private stamp: number | undefined;
  private readonly entries: LRUCache<string, V>;

  /** `maxBytes` bounds the entries' total size as `sizeOf` counts it (with their keys' length), besides their number. */
  constructor(options: { max: number; ttlMs?: number; maxBytes?: number; sizeOf?: (value: V) => number }) {
    const { max, ttlMs, maxBytes, sizeOf } = options;
    this.entries = new LRUCache<string, V>({
      max,
      ...(ttlMs && { ttl: ttlMs, ttlAutopurge: false }),
      ...(maxBytes && sizeOf && { maxSize: maxBytes, sizeCalculation: (value: V, key: string) => Math.max(1, sizeOf(value) + key.length) }),
    });
  }

  /** The value kept for `key` under `stamp`; undefined stamps (no cheap stamp) never hit. */
  get(key: string, stamp: number | undefined): V | undefined {
    if (stamp === undefined) return undefined;
    if (stamp !== this.stamp) {
      this.entries.clear();
      this.stamp = stamp;
      return undefined;
    }
    return this.entries.get(key);
  }

  /** Keeps `value`, computed from reads made after `stamp` was read, while the stamp holds. */
  set(key: string, stamp: number | undefined, value: V): void {
    if (stamp !== undefined && stamp === this.stamp) this.entries.set(key, value);
  }
}
