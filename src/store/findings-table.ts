// The hot reads and writes of an ingest on the findings table: an image's findings, and the rows a
// report inserts or rewrites. Query builders spend more time building a 500-row statement than the
// database spends storing it, so each dialect gets its fastest form: SQLite runs prepared statements
// row by row on the transaction's own connection; PostgreSQL sends the rows as column arrays to one
// statement over unnest(...).
import type SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { findingIdRange } from '../domain/finding-ids.ts';
import { severities } from '../domain/severity.ts';
import type { StoredFinding } from './finding-states.ts';
import type { Database } from './schema.ts';

export interface ImageTarget {
  account_id: string;
  image_id: number;
  /** The first part of the ids of the image's findings (finding-ids.ts). */
  idPrefix: string;
}

export interface FindingsTable {
  /** The image's findings, open and closed. */
  imageFindings(trx: Kysely<Database>, image: ImageTarget): Promise<StoredFinding[]>;
  insert(trx: Kysely<Database>, image: ImageTarget, rows: StoredFinding[]): Promise<void>;
  /** Rewrites each row found under its stored severity (part of the key). */
  update(trx: Kysely<Database>, image: ImageTarget, rows: { row: StoredFinding; storedSeverity: string }[]): Promise<void>;
}

const columns = ['severity', 'finding_id', 'vulnerability_id', 'package_name', 'package_version', 'fixed_version', 'active', 'first_observed_at', 'last_observed_at', 'updated_at', 'sources', 'source_states', 'finding_arn', 'file_path', 'layer_index', 'package_manager'] as const;
/** What a rewrite may change: everything but the occurrence and its id. */
const mutable = ['severity', 'fixed_version', 'active', 'first_observed_at', 'last_observed_at', 'updated_at', 'sources', 'source_states', 'finding_arn', 'file_path', 'layer_index', 'package_manager'] as const;

/**
 * An image's findings: its id range under each severity (the key is account, severity, id), and
 * its image id, which tells apart the rare images whose id prefixes are equal.
 */
const imageRange = `account_id = ? and severity in (${severities.map(() => '?').join(', ')}) and finding_id >= ? and finding_id <= ? and image_id = ?`;
const imageRangeValues = (image: ImageTarget) => {
  const { low, high } = findingIdRange(image.idPrefix);
  return [image.account_id, ...severities, low, high, image.image_id];
};

export function sqliteFindingsTable(database: SqliteDatabase.Database): FindingsTable {
  // Runs inside the BEGIN IMMEDIATE that writeTransaction opened on this same connection.
  const select = database.prepare(`select ${columns.join(', ')} from findings where ${imageRange}`);
  const insert = database.prepare(`insert into findings (account_id, image_id, ${columns.join(', ')}) values (?, ?, ${columns.map(() => '?').join(', ')})`);
  const update = database.prepare(`update findings set ${mutable.map((c) => `${c} = ?`).join(', ')} where account_id = ? and severity = ? and finding_id = ?`);
  return {
    imageFindings: async (_trx, image) => select.all(...imageRangeValues(image)) as StoredFinding[],
    insert: async (_trx, image, rows) => {
      for (const r of rows) {
        insert.run(image.account_id, image.image_id, r.severity, r.finding_id, r.vulnerability_id, r.package_name, r.package_version, r.fixed_version, r.active, r.first_observed_at, r.last_observed_at, r.updated_at, r.sources, r.source_states, r.finding_arn, r.file_path, r.layer_index, r.package_manager);
      }
    },
    update: async (_trx, image, rows) => {
      for (const { row: r, storedSeverity } of rows) {
        update.run(r.severity, r.fixed_version, r.active, r.first_observed_at, r.last_observed_at, r.updated_at, r.sources, r.source_states, r.finding_arn, r.file_path, r.layer_index, r.package_manager, image.account_id, storedSeverity, r.finding_id);
      }
    },
  };
}

const chunkRows = 5000;

/** The rows as column arrays, each cast to its PostgreSQL type, for `unnest`. */
function arrays(rows: StoredFinding[], names: readonly (keyof StoredFinding)[]) {
  const types: Partial<Record<keyof StoredFinding, string>> = { finding_id: 'bytea', active: 'integer', first_observed_at: 'bigint', last_observed_at: 'bigint', updated_at: 'bigint', layer_index: 'integer' };
  return sql.join(names.map((name) => sql`${rows.map((r) => r[name])}::${sql.raw(types[name] ?? 'text')}[]`));
}

export const postgresFindingsTable: FindingsTable = {
  imageFindings: async (trx, image) => {
    const { low, high } = findingIdRange(image.idPrefix);
    return trx.selectFrom('findings').select([...columns]).where('account_id', '=', image.account_id).where('severity', 'in', [...severities])
      .where('finding_id', '>=', low).where('finding_id', '<=', high).where('image_id', '=', image.image_id).execute();
  },
  insert: async (trx, image, rows) => {
    for (let i = 0; i < rows.length; i += chunkRows) {
      const chunk = rows.slice(i, i + chunkRows);
      await sql`insert into findings (account_id, image_id, ${sql.join(columns.map((c) => sql.ref(c)))})
        select ${image.account_id}, ${image.image_id}, t.* from unnest(${arrays(chunk, columns)}) as t`.execute(trx);
    }
  },
  update: async (trx, image, updates) => {
    for (let i = 0; i < updates.length; i += chunkRows) {
      const chunk = updates.slice(i, i + chunkRows);
      const rows = chunk.map((u) => u.row);
      await sql`update findings f set ${sql.join(mutable.map((c) => sql`${sql.ref(c)} = t.${sql.ref(c)}`))}
        from unnest(${arrays(rows, ['finding_id', ...mutable])}, ${chunk.map((u) => u.storedSeverity)}::text[]) as t(finding_id, ${sql.join(mutable.map((c) => sql.ref(c)))}, stored_severity)
        where f.account_id = ${image.account_id} and f.severity = t.stored_severity and f.finding_id = t.finding_id`.execute(trx);
    }
  },
};
