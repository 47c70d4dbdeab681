// The cache behind kept answers and access keys (src/protocol/stamped-cache.ts): entries hold for one
// change stamp, and a byte bound keeps a walk of large pages from holding them all.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StampedCache } from '../src/protocol/stamped-cache.ts';

describe('StampedCache', () => {
  it('keeps entries for one stamp only', () => {
    const cache = new StampedCache<{ v: number }>({ max: 10 });
    assert.equal(cache.get('a', 1), undefined);
    cache.set('a', 1, { v: 1 });
    assert.deepEqual(cache.get('a', 1), { v: 1 });
    assert.equal(cache.get('a', 2), undefined, 'a new stamp empties it');
    cache.set('b', 1, { v: 2 });
    assert.equal(cache.get('b', 2), undefined, 'a value computed under an old stamp is not kept');
    assert.equal(cache.get('a', undefined), undefined, 'no stamp, no hit');
  });

  it('drops the least recently used entries beyond its byte bound, keys counted', () => {
    const page = (bytes: number) => ({ body: Buffer.alloc(bytes) });
    const cache = new StampedCache<{ body: Buffer }>({ max: 1000, maxBytes: 10_000, sizeOf: (value) => value.body.length });
    cache.get('', 1);
    for (let i = 0; i < 10; i++) cache.set(`page-${i}`, 1, page(1_990));
    const kept = Array.from({ length: 10 }, (_, i) => cache.get(`page-${i}`, 1) !== undefined);
    assert.deepEqual(kept, [false, false, false, false, false, true, true, true, true, true], 'five pages of 1,990 bytes and a 6-byte key fit in 10,000 bytes');
    cache.set('huge', 1, page(20_000));
    assert.equal(cache.get('huge', 1), undefined, 'an entry larger than the bound is not kept');
    assert.ok(cache.get('page-9', 1), 'and does not push out what is kept');
  });
});
