// Access keys as the store holds them, kept in memory while nothing has been committed since they
// were read: a key created or revoked by any process (`imagescope keys revoke`, another replica on
// the same SQLite file) is a commit, so it is seen on the next request. Without a change stamp
// (PostgreSQL) every lookup reads the store.
import type { AccessKeyRow, Store } from '../store/store.ts';
import { StampedCache } from './stamped-cache.ts';

export class CachedAccessKeys {
  // `missing`: the store has no such key (kept too, so that an unknown key id costs no read either).
  private readonly keys = new StampedCache<AccessKeyRow | { missing: true }>({ max: 10_000 });

  constructor(private readonly store: Store) {}

  /** `stamp`: the store's change stamp, read by the caller before this lookup (one read a request). */
  async find(accessKeyId: string, stamp: number | undefined): Promise<AccessKeyRow | undefined> {
    const kept = this.keys.get(accessKeyId, stamp);
    if (kept) return 'missing' in kept ? undefined : kept;
    const key = await this.store.findAccessKey(accessKeyId);
    this.keys.set(accessKeyId, stamp, key ?? { missing: true });
    return key;
  }
}
