// Applies an ingest's rollup deltas (rollup-writes.ts decides what each key's change does). Like the
// findings insert, this runs for every changed key of every ingest, so each dialect gets its fastest
// form: SQLite reads and writes each key by primary key with prepared statements on the
// transaction's own connection; PostgreSQL reads the current rows of 400 keys at a time and sends
// each kind of change as one statement over column arrays.
import type SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { rollupChange, type RollupCounts, type RollupDeltaWriter } from './rollup-writes.ts';
import type { Database, FindingRollupRow, RollupAggregation } from './schema.ts';
import { chunks } from './transactions.ts';

const primaryKey = 'account_id = ? and aggregation = ? and aggregation_key = ? and version_from = ?';

export function sqliteRollupDeltaWriter(database: SqliteDatabase.Database): RollupDeltaWriter {
  // Runs inside the BEGIN IMMEDIATE that writeTransaction opened on this same connection.
  const current = database.prepare(
    'select version_from, count_all, count_critical, count_high, count_medium from finding_rollups where account_id = ? and aggregation = ? and aggregation_key = ? and version_to is null',
  );
  const update = database.prepare(`update finding_rollups set count_all = ?, count_critical = ?, count_high = ?, count_medium = ? where ${primaryKey}`);
  const remove = database.prepare(`delete from finding_rollups where ${primaryKey}`);
  const close = database.prepare(`update finding_rollups set version_to = ?, closed_at = ? where ${primaryKey}`);
  const open = database.prepare(
    'insert into finding_rollups (account_id, aggregation, aggregation_key, version_from, count_all, count_critical, count_high, count_medium) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const opened = (accountId: string, aggregation: string, key: string, version: number, c: RollupCounts) =>
    open.run(accountId, aggregation, key, version, c.count_all, c.count_critical, c.count_high, c.count_medium);
  return async (_trx, accountId, aggregation, deltas, at, now) => {
    for (const [key, delta] of deltas) {
      const before = current.get(accountId, aggregation, key) as (RollupCounts & { version_from: number }) | undefined;
      const change = rollupChange(before, delta, at);
      const row = [accountId, aggregation, key, before?.version_from];
      if (change.kind === 'update') update.run(change.counts.count_all, change.counts.count_critical, change.counts.count_high, change.counts.count_medium, ...row);
      else if (change.kind === 'delete') remove.run(...row);
      else if (change.kind === 'open') opened(accountId, aggregation, key, at.version, change.counts);
      else {
        close.run(at.version, now, ...row);
        if (change.kind === 'reopen') opened(accountId, aggregation, key, at.version, change.counts);
      }
    }
  };
}

const keysPerStatement = 400;

export const postgresRollupDeltaWriter: RollupDeltaWriter = async (trx, accountId, aggregation, deltas, at, now) => {
  for (const keys of chunks([...deltas.keys()], keysPerStatement)) {
    const current = await trx.selectFrom('finding_rollups').selectAll().where('account_id', '=', accountId).where('aggregation', '=', aggregation)
      .where('aggregation_key', 'in', keys).where('version_to', 'is', null).execute();
    const currentByKey = new Map(current.map((row) => [row.aggregation_key, row]));
    const updated: FindingRollupRow[] = [];
    const deleted: string[] = [];
    const closed: string[] = [];
    const opened: FindingRollupRow[] = [];
    for (const key of keys) {
      const before = currentByKey.get(key);
      const change = rollupChange(before, deltas.get(key)!, at);
      if (change.kind === 'update') updated.push({ ...before!, ...change.counts });
      else if (change.kind === 'delete') deleted.push(key);
      else if (change.kind === 'close' || change.kind === 'reopen') closed.push(key);
      if (change.kind === 'open' || change.kind === 'reopen') {
        opened.push({ account_id: accountId, aggregation, aggregation_key: key, version_from: at.version, version_to: null, closed_at: null, ...change.counts });
      }
    }
    await writeChanges(trx, accountId, aggregation, { updated, deleted, closed, opened }, at.version, now);
  }
};

async function writeChanges(
  trx: Kysely<Database>,
  accountId: string,
  aggregation: RollupAggregation,
  changes: { updated: FindingRollupRow[]; deleted: string[]; closed: string[]; opened: FindingRollupRow[] },
  version: number,
  now: number,
): Promise<void> {
  const { updated, deleted, closed, opened } = changes;
  if (updated.length > 0) {
    const column = (pick: (r: FindingRollupRow) => number) => updated.map(pick);
    await sql`update finding_rollups as f set count_all = u.a, count_critical = u.c, count_high = u.h, count_medium = u.m
      from unnest(${updated.map((r) => r.aggregation_key)}::text[], ${column((r) => r.count_all)}::bigint[], ${column((r) => r.count_critical)}::bigint[],
        ${column((r) => r.count_high)}::bigint[], ${column((r) => r.count_medium)}::bigint[]) as u(k, a, c, h, m)
      where f.account_id = ${accountId} and f.aggregation = ${aggregation} and f.aggregation_key = u.k and f.version_to is null`.execute(trx);
  }
  if (deleted.length > 0) {
    await trx.deleteFrom('finding_rollups').where('account_id', '=', accountId).where('aggregation', '=', aggregation)
      .where('aggregation_key', 'in', deleted).where('version_to', 'is', null).execute();
  }
  if (closed.length > 0) {
    await trx.updateTable('finding_rollups').set({ version_to: version, closed_at: now }).where('account_id', '=', accountId).where('aggregation', '=', aggregation)
      .where('aggregation_key', 'in', closed).where('version_to', 'is', null).execute();
  }
  if (opened.length > 0) await trx.insertInto('finding_rollups').values(opened).execute();
}
