// Applies count deltas to the versioned rollups, in the ingest's transaction. Each ingest takes the
// account's next rollup version. A changed key's current row is updated in place when no pagination
// sequence can be reading it (it was opened after the account's pinned version); otherwise it is
// closed at this version and a new row opened, so that the sequence keeps reading what it began with.
import type { Kysely } from 'kysely';
import { paginationLifetimeMs } from '../domain/pagination.ts';
import { isZero, type Contribution, type SeverityCounts } from './rollup-counts.ts';
import type { Database, FindingRollupRow, RollupAggregation } from './schema.ts';

export interface RollupVersion {
  /** The version this ingest writes. */
  version: number;
  /** Rows opened at or before this version may be read by a pagination sequence. */
  pinned: number;
}

/**
 * Applies the deltas of one aggregation's keys (counts to add) with the dialect's fastest statements
 * (rollup-delta-writers.ts), each key as `rollupChange` decides.
 */
export type RollupDeltaWriter = (trx: Kysely<Database>, accountId: string, aggregation: RollupAggregation, deltas: Map<string, SeverityCounts>, at: RollupVersion, now: number) => Promise<void>;

export type RollupCounts = Pick<FindingRollupRow, 'count_all' | 'count_critical' | 'count_high' | 'count_medium'>;

/** What one key's change does to its rows, given its current row (if any). */
export type RollupChange =
  | { kind: 'update'; counts: RollupCounts } // in place: no sequence can see the current row
  | { kind: 'delete' } // in place, and the count fell to zero
  | { kind: 'reopen'; counts: RollupCounts } // close the current row (a sequence may see it), open a new one
  | { kind: 'close' } // close it, and the count fell to zero
  | { kind: 'open'; counts: RollupCounts }; // the key has no current row yet

export function rollupChange(before: (RollupCounts & { version_from: number }) | undefined, d: SeverityCounts, at: RollupVersion): RollupChange {
  const counts: RollupCounts = {
    count_all: (before?.count_all ?? 0) + d.all,
    count_critical: (before?.count_critical ?? 0) + d.critical,
    count_high: (before?.count_high ?? 0) + d.high,
    count_medium: (before?.count_medium ?? 0) + d.medium,
  };
  const empty = counts.count_all <= 0;
  if (!before) return { kind: 'open', counts };
  if (before.version_from > at.pinned) return empty ? { kind: 'delete' } : { kind: 'update', counts };
  return empty ? { kind: 'close' } : { kind: 'reopen', counts };
}

export async function nextRollupVersion(trx: Kysely<Database>, accountId: string): Promise<RollupVersion> {
  const row = await trx
    .insertInto('rollup_versions')
    .values({ account_id: accountId, version: 1 })
    .onConflict((oc) => oc.column('account_id').doUpdateSet((eb) => ({ version: eb('rollup_versions.version', '+', 1) })))
    .returning(['version', 'pinned_version'])
    .executeTakeFirstOrThrow();
  return { version: row.version, pinned: row.pinned_version };
}

export async function applyRollupDelta(trx: Kysely<Database>, accountId: string, delta: Contribution, at: RollupVersion, now: number, write: RollupDeltaWriter): Promise<void> {
  for (const [aggregation, keys] of delta.byAggregation) {
    const changed = new Map([...keys].filter(([, counts]) => !isZero(counts)));
    if (changed.size > 0) await write(trx, accountId, aggregation, changed, at, now);
  }
}

/**
 * Pins the account's current rollup version for a pagination sequence that begins now, and returns
 * it: ingests from then on keep the rows as of it. One statement, so no ingest can slip between
 * reading the version and pinning it.
 */
export async function pinRollupVersion(db: Kysely<Database>, accountId: string): Promise<number | undefined> {
  const row = await db
    .updateTable('rollup_versions')
    .set((eb) => ({ pinned_version: eb.ref('version') }))
    .where('account_id', '=', accountId)
    .returning('version')
    .executeTakeFirst();
  return row?.version;
}

/** Rows closed longer ago than a pagination token lives can no longer be read by anyone. */
export async function pruneClosedRollups(trx: Kysely<Database>, accountId: string, now: number): Promise<void> {
  await trx
    .deleteFrom('finding_rollups')
    .where('account_id', '=', accountId)
    .where('closed_at', '<', now - paginationLifetimeMs)
    .execute();
}
