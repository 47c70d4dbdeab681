// Writes an ingest's rollup changes (rollup-writes.ts decides them). Like the findings insert, this
// runs for every changed key of every ingest, so each dialect gets its fastest form: SQLite runs
// prepared statements by primary key on the transaction's own connection; PostgreSQL sends each kind
// of change as one statement over column arrays.
import type SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import type { RollupChangeWriter } from './rollup-writes.ts';

const primaryKey = 'account_id = ? and aggregation = ? and aggregation_key = ? and version_from = ?';

export function sqliteRollupChangeWriter(database: SqliteDatabase.Database): RollupChangeWriter {
  // Runs inside the BEGIN IMMEDIATE that writeTransaction opened on this same connection.
  const update = database.prepare(`update finding_rollups set count_all = ?, count_critical = ?, count_high = ?, count_medium = ? where ${primaryKey}`);
  const remove = database.prepare(`delete from finding_rollups where ${primaryKey}`);
  const close = database.prepare(`update finding_rollups set version_to = ?, closed_at = ? where ${primaryKey}`);
  const open = database.prepare(
    'insert into finding_rollups (account_id, aggregation, aggregation_key, version_from, count_all, count_critical, count_high, count_medium) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  return async (_trx, accountId, changes, version, now) => {
    const { aggregation } = changes;
    for (const r of changes.updated) update.run(r.count_all, r.count_critical, r.count_high, r.count_medium, accountId, aggregation, r.aggregation_key, r.version_from);
    for (const r of changes.deleted) remove.run(accountId, aggregation, r.aggregation_key, r.version_from);
    for (const r of changes.closed) close.run(version, now, accountId, aggregation, r.aggregation_key, r.version_from);
    for (const r of changes.opened) open.run(accountId, aggregation, r.aggregation_key, version, r.count_all, r.count_critical, r.count_high, r.count_medium);
  };
}

export const postgresRollupChangeWriter: RollupChangeWriter = async (trx, accountId, changes, version, now) => {
  const { aggregation, updated, deleted, closed, opened } = changes;
  const keysOf = (rows: { aggregation_key: string }[]) => rows.map((r) => r.aggregation_key);
  if (updated.length > 0) {
    await sql`update finding_rollups as f set count_all = u.a, count_critical = u.c, count_high = u.h, count_medium = u.m
      from unnest(${keysOf(updated)}::text[], ${updated.map((r) => r.count_all)}::bigint[], ${updated.map((r) => r.count_critical)}::bigint[],
        ${updated.map((r) => r.count_high)}::bigint[], ${updated.map((r) => r.count_medium)}::bigint[]) as u(k, a, c, h, m)
      where f.account_id = ${accountId} and f.aggregation = ${aggregation} and f.aggregation_key = u.k and f.version_to is null`.execute(trx);
  }
  if (deleted.length > 0) {
    await trx.deleteFrom('finding_rollups').where('account_id', '=', accountId).where('aggregation', '=', aggregation)
      .where('aggregation_key', 'in', keysOf(deleted)).where('version_to', 'is', null).execute();
  }
  if (closed.length > 0) {
    await trx.updateTable('finding_rollups').set({ version_to: version, closed_at: now }).where('account_id', '=', accountId).where('aggregation', '=', aggregation)
      .where('aggregation_key', 'in', keysOf(closed)).where('version_to', 'is', null).execute();
  }
  if (opened.length > 0) await trx.insertInto('finding_rollups').values(opened).execute();
};
