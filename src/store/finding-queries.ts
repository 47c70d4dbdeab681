// ListImageScanFindingAggregations' reads: one page of rollup rows as of a rollup version, worst
// first (critical, high, medium, all, descending; then key), continued with a keyset cursor. While
// the account has not changed since a sequence began (always, for its first page), the page is one
// range read of the current-rows index: its cost does not depend on how many findings, keys or
// history rows are stored. Only a sequence that outlives an ingest reads history rows, as of its
// version. Every query is prepared once per shape (prepared-query.ts).
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { placeholder, PreparedQueries, PreparedQuery } from './prepared-query.ts';
import type { Database, RollupAggregation } from './schema.ts';
import type { RunRead } from './store-reads.ts';
import type { AggregationRow, AggregationsQuery } from './store.ts';

/** A filter names at most 10 values (the model's limit). */
interface RowsShape {
  /** How many keys a filter names; absent: every key, paged. */
  keys?: number;
  /** Read as of an older version (history rows) rather than the current rows. */
  asOf: boolean;
  /** Continue after a keyset cursor. */
  after: boolean;
}

type Parameters = Record<string, unknown>;
type RollupRow = { current_version: number | null; aggregation_key: string; count_all: number; count_critical: number; count_high: number; count_medium: number };

const worstFirst = (a: AggregationRow, b: AggregationRow) =>
  b.critical - a.critical || b.high - a.high || b.medium - a.medium || b.all - a.all || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Pages read, by account, version and query. The rows of a version never change (an ingest writes a
 * new version; rows a pinned version sees are closed, not updated), so an entry stays right for as
 * long as it is kept, in every process and on every replica: what makes a page current is the
 * account's version, which is read from the database on every request. Bounded by count.
 */
const pagesKept = 2_000;

export class AggregationQueries {
  private readonly version: PreparedQuery<{ accountId: string }>;
  private readonly rows: PreparedQueries<RowsShape, Parameters>;
  private readonly pages = new LRUCache<string, AggregationRow[]>({ max: pagesKept });

  constructor(db: Kysely<Database>) {
    this.version = new PreparedQuery(db, (db) => db.selectFrom('rollup_versions').select('version').where('account_id', '=', placeholder<string>('accountId')));
    this.rows = new PreparedQueries(db, rowsQuery);
  }

  private async currentVersion(read: RunRead, accountId: string): Promise<number> {
    const [row] = await read<{ version: number }>(this.version.with({ accountId }));
    return row?.version ?? 0;
  }

  /**
   * One statement reads the current rows together with the version they are current at (a statement
   * is one snapshot on both databases). A sequence whose account has changed since it began reads its
   * version's rows instead: the rows a pinned version sees never change, so that read needs no
   * snapshot.
   */
  async page(read: RunRead, q: AggregationsQuery): Promise<{ version: number; rows: AggregationRow[] }> {
    // One primary-key read says which version is current; a page kept for it is the answer.
    const version = q.version ?? (await this.currentVersion(read, q.accountId));
    const kept = this.pages.get(pageKey(q, version));
    if (kept) return { version, rows: kept };
    const page = await this.read(read, q);
    this.pages.set(pageKey(q, page.version), page.rows);
    return page;
  }

  /**
   * One statement reads the current rows together with the version they are current at (a statement
   * is one snapshot on both databases). A sequence whose account has changed since it began reads its
   * version's rows instead: the rows a pinned version sees never change, so that read needs no
   * snapshot.
   */
  private async read(read: RunRead, q: AggregationsQuery): Promise<{ version: number; rows: AggregationRow[] }> {
    const parameters: Parameters = { accountId: q.accountId, aggregation: q.aggregation, asOf: q.version, limit: q.limit };
    const keys = q.keys && (q.keys.length > 0 ? q.keys : ['']);
    keys?.forEach((key, i) => (parameters[`key${i}`] = key));
    const after = q.after !== undefined && keys === undefined;
    if (after) Object.assign(parameters, { afterKey: q.after!.key, afterAll: q.after!.all, afterCritical: q.after!.critical, afterHigh: q.after!.high, afterMedium: q.after!.medium });
    const current = await read<RollupRow>(this.rows.with({ keys: keys?.length, asOf: false, after }, parameters));
    // No rows, no version with them: versions only grow, so if it is the sequence's version now, it
    // was when the rows were read.
    const version = current[0]?.current_version ?? (await this.currentVersion(read, q.accountId));
    const rows = q.version === undefined || q.version === version ? current : await read<RollupRow>(this.rows.with({ keys: keys?.length, asOf: true, after }, parameters));
    return { version: q.version ?? version, rows: keys ? ordered(rows.map(toAggregationRow), q) : rows.map(toAggregationRow) };
  }
}

function pageKey(q: AggregationsQuery, version: number): string {
  return JSON.stringify([q.accountId, q.aggregation, version, q.keys ?? null, q.after ?? null, q.limit]);
}

/**
 * A filter's values are read by primary key and ordered here: going through the worst-first index
 * would read every key of the aggregation to find them.
 */
function ordered(rows: AggregationRow[], q: AggregationsQuery): AggregationRow[] {
  return rows.sort(worstFirst).filter((row) => !q.after || worstFirst(q.after, row) < 0).slice(0, q.limit);
}

function rowsQuery(db: Kysely<Database>, shape: RowsShape) {
  const asOf = placeholder<number>('asOf');
  let query = db
    .selectFrom('finding_rollups')
    .select(['aggregation_key', 'count_all', 'count_critical', 'count_high', 'count_medium'])
    .select((eb) => eb.selectFrom('rollup_versions').select('version').where('account_id', '=', placeholder<string>('accountId')).as('current_version'))
    .where('account_id', '=', placeholder<string>('accountId'))
    .where('aggregation', '=', placeholder<RollupAggregation>('aggregation'));
  query = shape.asOf
    ? query.where('version_from', '<=', asOf).where((eb) => eb.or([eb('version_to', 'is', null), eb('version_to', '>', asOf)]))
    : query.where('version_to', 'is', null);
  if (shape.keys !== undefined) return query.where('aggregation_key', 'in', Array.from({ length: shape.keys }, (_, i) => placeholder<string>(`key${i}`)));
  if (shape.after) {
    const [critical, high, medium, all] = ['afterCritical', 'afterHigh', 'afterMedium', 'afterAll'].map((name) => placeholder<number>(name));
    query = query.where((eb) => {
      const c = eb('count_critical', '=', critical);
      const h = eb('count_high', '=', high);
      const m = eb('count_medium', '=', medium);
      const a = eb('count_all', '=', all);
      return eb.or([
        eb('count_critical', '<', critical),
        eb.and([c, eb('count_high', '<', high)]),
        eb.and([c, h, eb('count_medium', '<', medium)]),
        eb.and([c, h, m, eb('count_all', '<', all)]),
        eb.and([c, h, m, a, eb('aggregation_key', '>', placeholder<string>('afterKey'))]),
      ]);
    });
  }
  return query
    .orderBy('count_critical', 'desc')
    .orderBy('count_high', 'desc')
    .orderBy('count_medium', 'desc')
    .orderBy('count_all', 'desc')
    .orderBy('aggregation_key', 'asc')
    .limit(placeholder<number>('limit'));
}

function toAggregationRow(r: RollupRow): AggregationRow {
  return { key: r.aggregation_key, all: r.count_all, critical: r.count_critical, high: r.count_high, medium: r.count_medium };
}
