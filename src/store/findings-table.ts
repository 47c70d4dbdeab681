// The hot reads and writes of an ingest on the findings table: an image's findings, and the rows a
// report inserts or rewrites. Query builders spend more time building a 500-row statement than the
// database spends storing it, so each dialect gets its fastest form: SQLite runs prepared statements
// row by row on the transaction's own connection; PostgreSQL sends the rows as column arrays to one
// statement over unnest(...).
import type SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { FindingIds } from '../domain/finding-ids.ts';
import { severityRank, type Severity } from '../domain/severity.ts';
import type { StoredFinding } from './finding-states.ts';
import type { Database } from './schema.ts';
import { severityName, severityNameSql, severityRanks } from './severity-columns.ts';

export interface ImageTarget {
  account_id: string;
  image_id: number;
  ids: FindingIds;
}

export interface FindingsTable {
  /** The image's findings, open and closed. */
  imageFindings(trx: Kysely<Database>, image: ImageTarget): Promise<StoredFinding[]>;
  insert(trx: Kysely<Database>, image: ImageTarget, rows: StoredFinding[]): Promise<void>;
  /** Rewrites each row found under its stored severity (part of the key). */
  update(trx: Kysely<Database>, image: ImageTarget, rows: { row: StoredFinding; storedSeverity: string }[]): Promise<void>;
}

const columns = ['finding_id', 'vulnerability_id', 'package_name', 'package_version', 'fixed_version', 'active', 'first_observed_at', 'last_observed_at', 'updated_at', 'closed_at', 'sources', 'source_states', 'finding_arn', 'file_path', 'layer_index', 'package_manager'] as const;
/** What a rewrite may change: everything but the occurrence and its id. */
const mutable = ['fixed_version', 'active', 'first_observed_at', 'last_observed_at', 'updated_at', 'closed_at', 'sources', 'source_states', 'finding_arn', 'file_path', 'layer_index', 'package_manager'] as const;

/**
 * An image's findings: its id range under each severity (the key is account, severity rank, id),
 * and its image id, which tells apart the rare images whose id prefixes are equal.
 */
const imageRange = `account_id = ? and severity_rank in (${severityRanks.join(', ')}) and finding_id >= ? and finding_id <= ? and image_id = ?`;
const imageRangeValues = (image: ImageTarget) => {
  const { low, high } = image.ids.range();
  return [image.account_id, low, high, image.image_id];
};
const rankOf = (severity: string) => severityRank(severity as Severity);

export function sqliteFindingsTable(database: SqliteDatabase.Database): FindingsTable {
  // Runs inside the BEGIN IMMEDIATE that writeTransaction opened on this same connection.
  const select = database.prepare(`select ${severityNameSql} as severity, ${columns.join(', ')} from findings where ${imageRange}`);
  const insert = database.prepare(`insert into findings (account_id, image_id, severity_rank, ${columns.join(', ')}) values (?, ?, ?, ${columns.map(() => '?').join(', ')})`);
  const update = database.prepare(`update findings set severity_rank = ?, ${mutable.map((c) => `${c} = ?`).join(', ')} where account_id = ? and severity_rank = ? and finding_id = ?`);
  return {
    imageFindings: async (_trx, image) => select.all(...imageRangeValues(image)) as StoredFinding[],
    insert: async (_trx, image, rows) => {
      // In key order: each row lands next to the previous one, on pages the last insert just read.
      for (const r of [...rows].sort(byKey)) {
        insert.run(image.account_id, image.image_id, rankOf(r.severity), r.finding_id, r.vulnerability_id, r.package_name, r.package_version, r.fixed_version, r.active, r.first_observed_at, r.last_observed_at, r.updated_at, r.closed_at, r.sources, r.source_states, r.finding_arn, r.file_path, r.layer_index, r.package_manager);
      }
    },
    update: async (_trx, image, rows) => {
      for (const { row: r, storedSeverity } of rows) {
        update.run(rankOf(r.severity), r.fixed_version, r.active, r.first_observed_at, r.last_observed_at, r.updated_at, r.closed_at, r.sources, r.source_states, r.finding_arn, r.file_path, r.layer_index, r.package_manager, image.account_id, rankOf(storedSeverity), r.finding_id);
      }
    },
  };
}

const byKey = (a: StoredFinding, b: StoredFinding) => rankOf(a.severity) - rankOf(b.severity) || Buffer.compare(a.finding_id, b.finding_id);

/** Rows per statement of the PostgreSQL writers that send their rows as unnest(...) arrays. */
export const chunkRows = 5000;

const ranks = (names: string[]) => sql`${names.map(rankOf)}::integer[]`;

/** The rows as column arrays, each cast to its PostgreSQL type, for `unnest`. */
function arrays(rows: StoredFinding[], names: readonly (keyof StoredFinding)[]) {
  const types: Partial<Record<keyof StoredFinding, string>> = { finding_id: 'bytea', active: 'integer', first_observed_at: 'bigint', last_observed_at: 'bigint', updated_at: 'bigint', closed_at: 'bigint', layer_index: 'integer' };
  return sql.join(names.map((name) => sql`${rows.map((r) => r[name])}::${sql.raw(types[name] ?? 'text')}[]`));
}

export const postgresFindingsTable: FindingsTable = {
  imageFindings: async (trx, image) => {
    const { low, high } = image.ids.range();
    return trx.selectFrom('findings').select([severityName(), ...columns]).where('account_id', '=', image.account_id).where('severity_rank', 'in', severityRanks)
      .where('finding_id', '>=', low).where('finding_id', '<=', high).where('image_id', '=', image.image_id).execute();
  },
  insert: async (trx, image, rows) => {
    for (let i = 0; i < rows.length; i += chunkRows) {
      const chunk = rows.slice(i, i + chunkRows);
      await sql`insert into findings (account_id, image_id, severity_rank, ${sql.join(columns.map((c) => sql.ref(c)))})
        select ${image.account_id}, ${image.image_id}, t.* from unnest(${ranks(chunk.map((r) => r.severity))}, ${arrays(chunk, columns)}) as t`.execute(trx);
    }
  },
  update: async (trx, image, updates) => {
    for (let i = 0; i < updates.length; i += chunkRows) {
      const chunk = updates.slice(i, i + chunkRows);
      const rows = chunk.map((u) => u.row);
      await sql`update findings f set severity_rank = t.severity_rank, ${sql.join(mutable.map((c) => sql`${sql.ref(c)} = t.${sql.ref(c)}`))}
        from unnest(${ranks(rows.map((r) => r.severity))}, ${ranks(chunk.map((u) => u.storedSeverity))}, ${arrays(rows, ['finding_id', ...mutable])})
          as t(severity_rank, stored_rank, finding_id, ${sql.join(mutable.map((c) => sql.ref(c)))})
        where f.account_id = ${image.account_id} and f.severity_rank = t.stored_rank and f.finding_id = t.finding_id`.execute(trx);
    }
  },
};
