// Applies count deltas to the versioned rollups, in the ingest's transaction. Each ingest takes the
// account's next rollup version. A changed key's current row is updated in place when no pagination
// sequence can be reading it (it was opened after the account's pinned version); otherwise it is
// closed at this version and a new row opened, so that the sequence keeps reading what it began with.
import type { Kysely } from 'kysely';
import { tokenLifetimeMs } from '../protocol/pagination-token.ts';
import { isZero, splitRollupKey, type Contribution, type SeverityCounts } from './rollup-counts.ts';
import type { Database, FindingRollupRow, RollupAggregation } from './schema.ts';
import { chunks } from './transactions.ts';

const keysPerStatement = 400;

export interface RollupVersion {
  /** The version this ingest writes. */
  version: number;
  /** Rows opened at or before this version may be read by a pagination sequence. */
  pinned: number;
}

/** What an ingest does to the rollup rows of one aggregation. */
export interface RollupChanges {
  aggregation: RollupAggregation;
  /** Current rows no sequence can see, with their new counts. */
  updated: FindingRollupRow[];
  /** Current rows no sequence can see whose counts fell to zero. */
  deleted: FindingRollupRow[];
  /** Current rows a sequence may see: closed at this version. */
  closed: FindingRollupRow[];
  /** New current rows, opened at this version. */
  opened: FindingRollupRow[];
}

/** Writes the changes with the dialect's fastest statements (rollup-change-writers.ts). */
export type RollupChangeWriter = (trx: Kysely<Database>, accountId: string, changes: RollupChanges, version: number, now: number) => Promise<void>;

export async function nextRollupVersion(trx: Kysely<Database>, accountId: string): Promise<RollupVersion> {
  const row = await trx
    .insertInto('rollup_versions')
    .values({ account_id: accountId, version: 1 })
    .onConflict((oc) => oc.column('account_id').doUpdateSet((eb) => ({ version: eb('rollup_versions.version', '+', 1) })))
    .returning(['version', 'pinned_version'])
    .executeTakeFirstOrThrow();
  return { version: row.version, pinned: row.pinned_version };
}

export async function applyRollupDelta(trx: Kysely<Database>, accountId: string, delta: Contribution, at: RollupVersion, now: number, write: RollupChangeWriter): Promise<void> {
  const byAggregation = new Map<RollupAggregation, Map<string, SeverityCounts>>();
  for (const [rollup, counts] of delta) {
    if (isZero(counts)) continue;
    const [aggregation, key] = splitRollupKey(rollup);
    if (!byAggregation.has(aggregation)) byAggregation.set(aggregation, new Map());
    byAggregation.get(aggregation)!.set(key, counts);
  }
  for (const [aggregation, deltas] of byAggregation) {
    for (const keys of chunks([...deltas.keys()], keysPerStatement)) {
      const current = await trx
        .selectFrom('finding_rollups')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('aggregation', '=', aggregation)
        .where('aggregation_key', 'in', keys)
        .where('version_to', 'is', null)
        .execute();
      const currentByKey = new Map(current.map((row) => [row.aggregation_key, row]));
      await write(trx, accountId, changesOf(aggregation, keys, deltas, currentByKey, at, accountId), at.version, now);
    }
  }
}

function changesOf(aggregation: RollupAggregation, keys: string[], deltas: Map<string, SeverityCounts>, current: Map<string, FindingRollupRow>, at: RollupVersion, accountId: string): RollupChanges {
  const changes: RollupChanges = { aggregation, updated: [], deleted: [], closed: [], opened: [] };
  for (const key of keys) {
    const before = current.get(key);
    const d = deltas.get(key)!;
    const counts = {
      count_all: (before?.count_all ?? 0) + d.all,
      count_critical: (before?.count_critical ?? 0) + d.critical,
      count_high: (before?.count_high ?? 0) + d.high,
      count_medium: (before?.count_medium ?? 0) + d.medium,
    };
    if (before && before.version_from > at.pinned) {
      if (counts.count_all > 0) changes.updated.push({ ...before, ...counts });
      else changes.deleted.push(before);
      continue;
    }
    if (before) changes.closed.push(before);
    if (counts.count_all > 0) changes.opened.push({ account_id: accountId, aggregation, aggregation_key: key, version_from: at.version, version_to: null, closed_at: null, ...counts });
  }
  return changes;
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
    .where('closed_at', '<', now - tokenLifetimeMs)
    .execute();
}
