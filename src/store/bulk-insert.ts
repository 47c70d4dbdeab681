// The one hot write path: inserting a report's findings. Query builders spend more time building a
// 500-row VALUES list than the database spends storing it, so each dialect gets its fastest form:
// SQLite runs one prepared statement per row on the transaction's own connection; PostgreSQL sends
// the rows as column arrays to a single INSERT ... SELECT FROM unnest(...).
import type SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { FindingsReport } from '../domain/findings.ts';
import type { Database } from './schema.ts';

/** Inserts every finding of a snapshot report for one image (rows are built here, not before). */
export type FindingsInserter = (trx: Kysely<Database>, image: { account_id: string; image_id: number }, report: FindingsReport, observedAt: number) => Promise<void>;

const columns = ['account_id', 'image_id', 'source', 'vulnerability_id', 'package_name', 'package_version', 'fixed_version', 'severity', 'active', 'observed_at'];

export function sqliteFindingsInserter(database: SqliteDatabase.Database): FindingsInserter {
  // Runs inside the BEGIN IMMEDIATE that writeTransaction opened on this same connection.
  const insert = database.prepare(`insert into image_findings (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`);
  return async (_trx, image, report, observedAt) => {
    for (const f of report.findings) {
      insert.run(image.account_id, image.image_id, report.source, f.vulnerabilityId, f.packageName, f.packageVersion, f.fixedVersion ?? null, f.severity, f.active ? 1 : 0, observedAt);
    }
  };
}

const chunkRows = 5000;

export const postgresFindingsInserter: FindingsInserter = async (trx, image, report, observedAt) => {
  for (let i = 0; i < report.findings.length; i += chunkRows) {
    const chunk = report.findings.slice(i, i + chunkRows);
    await sql`insert into image_findings (account_id, image_id, source, vulnerability_id, package_name, package_version, fixed_version, severity, active, observed_at)
      select ${image.account_id}, ${image.image_id}, ${report.source}, v, p, pv, fv, s, a, ${observedAt}::bigint
      from unnest(${chunk.map((f) => f.vulnerabilityId)}::text[], ${chunk.map((f) => f.packageName)}::text[], ${chunk.map((f) => f.packageVersion)}::text[],
        ${chunk.map((f) => f.fixedVersion ?? null)}::text[], ${chunk.map((f) => f.severity)}::text[], ${chunk.map((f) => (f.active ? 1 : 0))}::integer[]) as t(v, p, pv, fv, s, a)`.execute(trx);
  }
};
