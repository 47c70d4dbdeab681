// Applies count deltas to the versioned rollups, in the ingest's transaction. Each ingest takes the
// account's next rollup version; a changed key closes its current row and opens one at that version.
import type { Kysely } from 'kysely';
import { tokenLifetimeMs } from '../protocol/pagination-token.ts';
import { isZero, splitRollupKey, type Contribution } from './rollup-counts.ts';
import type { Database, FindingRollupRow, RollupAggregation } from './schema.ts';
import { chunks } from './transactions.ts';

const keysPerStatement = 400;

export async function nextRollupVersion(trx: Kysely<Database>, accountId: string): Promise<number> {
  const row = await trx
    .insertInto('rollup_versions')
    .values({ account_id: accountId, version: 1 })
    .onConflict((oc) => oc.column('account_id').doUpdateSet((eb) => ({ version: eb('rollup_versions.version', '+', 1) })))
    .returning('version')
    .executeTakeFirstOrThrow();
  return row.version;
}

export async function applyRollupDelta(trx: Kysely<Database>, accountId: string, delta: Contribution, version: number, now: number): Promise<void> {
  const byAggregation = new Map<RollupAggregation, Map<string, ReturnType<Contribution['get']> & {}>>();
  for (const [rollup, counts] of delta) {
    if (isZero(counts)) continue;
    const [aggregation, key] = splitRollupKey(rollup);
    if (!byAggregation.has(aggregation)) byAggregation.set(aggregation, new Map());
    byAggregation.get(aggregation)!.set(key, counts);
  }
  for (const [aggregation, changes] of byAggregation) {
    for (const keys of chunks([...changes.keys()], keysPerStatement)) {
      const current = await trx
        .selectFrom('finding_rollups')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('aggregation', '=', aggregation)
        .where('aggregation_key', 'in', keys)
        .where('version_to', 'is', null)
        .execute();
      const currentByKey = new Map(current.map((row) => [row.aggregation_key, row]));
      const opened: FindingRollupRow[] = keys
        .map((key) => {
          const before = currentByKey.get(key);
          const d = changes.get(key)!;
          return {
            account_id: accountId,
            aggregation,
            aggregation_key: key,
            version_from: version,
            version_to: null,
            closed_at: null,
            count_all: (before?.count_all ?? 0) + d.all,
            count_critical: (before?.count_critical ?? 0) + d.critical,
            count_high: (before?.count_high ?? 0) + d.high,
            count_medium: (before?.count_medium ?? 0) + d.medium,
          };
        })
        .filter((row) => row.count_all > 0);
      if (current.length > 0) {
        await trx
          .updateTable('finding_rollups')
          .set({ version_to: version, closed_at: now })
          .where('account_id', '=', accountId)
          .where('aggregation', '=', aggregation)
          .where('aggregation_key', 'in', current.map((r) => r.aggregation_key))
          .where('version_to', 'is', null)
          .execute();
      }
      if (opened.length > 0) await trx.insertInto('finding_rollups').values(opened).execute();
    }
  }
}

/** Rows closed longer ago than a pagination token lives can no longer be read by anyone. */
export async function pruneClosedRollups(trx: Kysely<Database>, accountId: string, now: number): Promise<void> {
  await trx
    .deleteFrom('finding_rollups')
    .where('account_id', '=', accountId)
    .where('closed_at', '<', now - tokenLifetimeMs)
    .execute();
}
