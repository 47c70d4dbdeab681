// ListImageScanFindingAggregations' reads: one page of rollup rows as of a rollup version, worst
// first (critical, high, medium, all, descending; then key), continued with a keyset cursor. While
// the account has not changed since a sequence began (always, for its first page), the page is one
// range read of the current-rows index: its cost does not depend on how many findings, keys or
// history rows are stored. Only a sequence that outlives an ingest reads history rows, as of its
// version.
import type { Kysely } from 'kysely';
import type { Database, RollupAggregation } from './schema.ts';
import type { AggregationRow, AggregationsQuery } from './store.ts';

export async function currentRollupVersion(db: Kysely<Database>, accountId: string): Promise<number> {
  const row = await db.selectFrom('rollup_versions').select('version').where('account_id', '=', accountId).executeTakeFirst();
  return row?.version ?? 0;
}

const worstFirst = (a: AggregationRow, b: AggregationRow) =>
  b.critical - a.critical || b.high - a.high || b.medium - a.medium || b.all - a.all || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** Call inside a read transaction, so that the version and the rows come from one snapshot. */
export async function aggregationPage(db: Kysely<Database>, q: AggregationsQuery): Promise<{ version: number; rows: AggregationRow[] }> {
  const current = await currentRollupVersion(db, q.accountId);
  const version = q.version ?? current;
  // Unchanged since `version`: the current rows are exactly the rows as of it.
  const asOf = version === current ? undefined : version;
  // A filter's values (at most 10) are read by primary key and ordered here: going through the
  // worst-first index would read every key of the aggregation to find them.
  if (q.keys) return { version, rows: (await rowsOf(db, q, asOf)).sort(worstFirst).filter((row) => !q.after || worstFirst(q.after, row) < 0).slice(0, q.limit) };
  return { version, rows: await rowsOf(db, q, asOf, true) };
}

async function rowsOf(db: Kysely<Database>, q: AggregationsQuery, asOf: number | undefined, paged = false): Promise<AggregationRow[]> {
  let query = db
    .selectFrom('finding_rollups')
    .select(['aggregation_key', 'count_all', 'count_critical', 'count_high', 'count_medium'])
    .where('account_id', '=', q.accountId)
    .where('aggregation', '=', q.aggregation satisfies RollupAggregation);
  query = asOf === undefined
    ? query.where('version_to', 'is', null)
    : query.where('version_from', '<=', asOf).where((eb) => eb.or([eb('version_to', 'is', null), eb('version_to', '>', asOf)]));
  if (q.keys) query = query.where('aggregation_key', 'in', q.keys.length > 0 ? q.keys : ['']);
  const after = q.after;
  if (!paged) return (await query.execute()).map(toAggregationRow);
  if (after) {
    query = query.where((eb) => {
      const c = eb('count_critical', '=', after.critical);
      const h = eb('count_high', '=', after.high);
      const m = eb('count_medium', '=', after.medium);
      const a = eb('count_all', '=', after.all);
      return eb.or([
        eb('count_critical', '<', after.critical),
        eb.and([c, eb('count_high', '<', after.high)]),
        eb.and([c, h, eb('count_medium', '<', after.medium)]),
        eb.and([c, h, m, eb('count_all', '<', after.all)]),
        eb.and([c, h, m, a, eb('aggregation_key', '>', after.key)]),
      ]);
    });
  }
  const rows = await query
    .orderBy('count_critical', 'desc')
    .orderBy('count_high', 'desc')
    .orderBy('count_medium', 'desc')
    .orderBy('count_all', 'desc')
    .orderBy('aggregation_key', 'asc')
    .limit(q.limit)
    .execute();
  return rows.map(toAggregationRow);
}

function toAggregationRow(r: { aggregation_key: string; count_all: number; count_critical: number; count_high: number; count_medium: number }): AggregationRow {
  return { key: r.aggregation_key, all: r.count_all, critical: r.count_critical, high: r.count_high, medium: r.count_medium };
}
