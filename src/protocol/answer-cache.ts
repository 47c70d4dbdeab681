// Whole answers of operations whose answer depends only on the store (ListImageScanFindingAggregations),
// served again while the store's change stamp holds: no read, no serialising, no token sealing.
//
// Correct across processes and replicas because the stamp changes on any commit by any connection
// (SQLite's data_version); without a stamp (PostgreSQL) nothing is kept. A kept answer is the one the
// operation would give now: its rows are the current version's, and the version a multi-page answer
// pinned stays pinned, as pins only move forward to the current version. Its nextToken is the one
// sealed when the answer was made, and is equally valid for every caller of the same account, region
// and request; answers are kept at most `keptMs`, so a reused token is at most that much older.
import type { WireResponse } from './errors.ts';
import { StampedCache } from './stamped-cache.ts';

/** What keys an answer: the operation, the caller's account and region, and the request exactly. */
export interface AnswerRequest {
  operation: string;
  accountId: string;
  region: string;
  contentType: string | undefined;
  body: Buffer;
}

interface KeptAnswer {
  statusCode: number;
  headers: Record<string, string>;
  /** The request time (epoch ms) it was made at: its token's issue time. */
  madeAt: number;
  /** The body, encoded, split where the request id of the request that made it appeared. */
  bodyAroundRequestId: Buffer[];
}

/** Larger request bodies are not kept: the answers worth keeping come from small requests. */
const maxRequestBytes = 2048;
const keptMs = 60_000;
/**
 * At most this many bytes of answers are kept: a walk of every finding (10,000 pages of about 100 KB,
 * each asked for once) would otherwise keep the last 2,000 pages, 200 MB, for a minute.
 */
const keptBytes = 16 * 1024 * 1024;

/** The kept body with this request's id where the first one's was: one allocation, two copies. */
function withRequestId(parts: Buffer[], requestId: string): Buffer {
  const idBytes = Buffer.byteLength(requestId, 'latin1');
  const body = Buffer.allocUnsafe(parts.reduce((n, part) => n + part.length, 0) + idBytes * (parts.length - 1));
  let at = 0;
  parts.forEach((part, i) => {
    if (i > 0) at += body.write(requestId, at, 'latin1');
    at += part.copy(body, at);
  });
  return body;
}

export class AnswerCache {
  // Aged on the request clock (madeAt), which dates the tokens; the LRU's own ttl only frees memory.
  private readonly answers = new StampedCache<KeptAnswer>({ max: 2_000, ttlMs: keptMs, maxBytes: keptBytes, sizeOf: (answer) => answer.bodyAroundRequestId.reduce((n, part) => n + part.length, 0) });

  /** `keep: false` makes every request run the operation (the benchmark of what a query costs). */
  constructor(private readonly keep = true) {}

  private key(request: AnswerRequest): string | undefined {
    if (!this.keep || request.body.length > maxRequestBytes) return undefined;
    return `${request.operation}\u0000${request.accountId}\u0000${request.region}\u0000${request.contentType ?? ''}\u0000${request.body.toString('latin1')}`;
  }

  /** The kept answer to this request, given the id of the request it now answers. */
  get(request: AnswerRequest, stamp: number | undefined, requestId: string, now: number): WireResponse | undefined {
    const key = this.key(request);
    const kept = key === undefined ? undefined : this.answers.get(key, stamp);
    if (!kept || now < kept.madeAt || now - kept.madeAt > keptMs) return undefined;
    return { statusCode: kept.statusCode, headers: { ...kept.headers, 'x-amzn-requestid': requestId }, body: withRequestId(kept.bodyAroundRequestId, requestId) };
  }

  /** Keeps a successful answer made from reads that began after `stamp` was read. */
  set(request: AnswerRequest, stamp: number | undefined, requestId: string, response: WireResponse, now: number): void {
    const key = this.key(request);
    if (key === undefined || response.statusCode >= 300) return;
    this.answers.set(key, stamp, { madeAt: now, statusCode: response.statusCode, headers: response.headers, bodyAroundRequestId: String(response.body).split(requestId).map((part) => Buffer.from(part)) });
  }
}
