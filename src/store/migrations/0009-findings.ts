import { SqliteAdapter, sql, type Kysely } from 'kysely';
import { FindingIds } from '../../domain/finding-ids.ts';
import { severityRank } from '../../domain/severity.ts';
import { severityNameSql } from '../severity-columns.ts';
import { chunks } from '../transactions.ts';
import { mergeSourceRows, type SourceRow } from './source-rows.ts';

// One row per finding (findings), in place of one row per source (image_findings), and the details
// of each vulnerability per source (vulnerability_details), which its findings share: a finding has an
// id, a status and times of its own, and stays (CLOSED) when no source lists it any more. The key
// (account, severity rank, id) makes a listing by severity then id one index range per severity; an
// image's findings are found by their id prefix (finding-ids.ts). Only open findings are in the
// by-vulnerability index (the console's exposure), only closed ones in the retention index, and only
// imported Inspector2 findings in the index of their own ARNs: each costs an ingest nothing it does
// not need.
export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('findings')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('severity_rank', 'integer', (c) => c.notNull())
    .addColumn('finding_id', sqlite ? 'blob' : 'bytea', (c) => c.notNull())
    .addColumn('image_id', 'bigint', (c) => c.notNull())
    .addColumn('vulnerability_id', 'text', (c) => c.notNull())
    .addColumn('package_name', 'text', (c) => c.notNull())
    .addColumn('package_version', 'text', (c) => c.notNull())
    .addColumn('fixed_version', 'text')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('first_observed_at', 'bigint', (c) => c.notNull())
    .addColumn('last_observed_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('sources', 'text', (c) => c.notNull())
    .addColumn('source_states', 'text')
    .addColumn('finding_arn', 'text')
    .addColumn('file_path', 'text')
    .addColumn('layer_index', 'integer')
    .addColumn('package_manager', 'varchar(16)')
    .addPrimaryKeyConstraint('findings_pk', ['account_id', 'severity_rank', 'finding_id'])
    .modifyEnd(sqlite ? sql`without rowid` : sql``)
    .execute();
  await db.schema.createIndex('findings_by_vulnerability').on('findings').columns(['account_id', 'vulnerability_id', 'image_id']).where(sql.ref('active'), '=', 1).execute();
  await db.schema.createIndex('findings_closed').on('findings').columns(['account_id', 'closed_at']).where(sql.ref('active'), '=', 0).execute();
  await db.schema.createIndex('findings_by_arn').on('findings').columns(['account_id', 'finding_arn']).where(sql.ref('finding_arn'), 'is not', null).execute();
  // Rows of a kilobyte or more: a table with a rowid, its key in an index of its own.
  await db.schema
    .createTable('vulnerability_details')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('vulnerability_id', 'text', (c) => c.notNull())
    .addColumn('source', 'varchar(64)', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('observed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('vulnerability_details_pk', ['account_id', 'vulnerability_id', 'source'])
    .execute();
  await db.schema.alterTable('scanned_images').addColumn('layer_hashes', 'text', (c) => c.notNull().defaultTo('')).execute();
  await moveFindings(db);
  await db.schema.dropIndex('image_findings_by_vulnerability').execute();
  await db.schema.dropTable('image_findings').execute();
}

/** Each image's source rows become its findings, with the ids they would have had from the start. */
async function moveFindings(db: Kysely<any>): Promise<void> {
  const images = await db.selectFrom('scanned_images').select(['account_id', 'image_id', 'image_repository', 'image_digest']).orderBy('account_id').orderBy('image_id').execute();
  for (const image of images) {
    const rows = (await db.selectFrom('image_findings').selectAll().where('account_id', '=', image.account_id).where('image_id', '=', image.image_id).execute()) as SourceRow[];
    const ids = new FindingIds({ repository: image.image_repository, digest: image.image_digest });
    const findings = mergeSourceRows(rows).map(({ severity, ...f }) => ({
      account_id: image.account_id,
      image_id: image.image_id,
      finding_id: ids.of(f.vulnerability_id, f.package_name, f.package_version),
      severity_rank: severityRank(severity),
      ...f,
      updated_at: f.last_observed_at,
      closed_at: f.active ? null : Date.now(),
    }));
    for (const chunk of chunks(findings, 500)) await db.insertInto('findings').values(chunk).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('image_findings')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('image_id', 'bigint', (c) => c.notNull())
    .addColumn('source', 'varchar(64)', (c) => c.notNull())
    .addColumn('vulnerability_id', 'text', (c) => c.notNull())
    .addColumn('package_name', 'text', (c) => c.notNull())
    .addColumn('package_version', 'text', (c) => c.notNull())
    .addColumn('severity', 'varchar(16)', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('observed_at', 'bigint', (c) => c.notNull())
    .addColumn('fixed_version', 'text')
    .addPrimaryKeyConstraint('image_findings_pk', ['account_id', 'image_id', 'source', 'vulnerability_id', 'package_name', 'package_version'])
    .modifyEnd(sqlite ? sql`without rowid` : sql``)
    .execute();
  await db.schema.createIndex('image_findings_by_vulnerability').on('image_findings').columns(['account_id', 'vulnerability_id', 'image_id']).where(sql.ref('active'), '=', 1).execute();
  // What 0009 added is lost going back: closed findings, and every source but one of a finding
  // several sources list (those are left out).
  await sql`insert into image_findings (account_id, image_id, source, vulnerability_id, package_name, package_version, severity, active, observed_at, fixed_version)
    select account_id, image_id, sources, vulnerability_id, package_name, package_version, ${sql.raw(severityNameSql)}, 1, last_observed_at, fixed_version
    from findings where active = 1 and sources not like '%,%'`.execute(db);
  await db.schema.dropTable('findings').execute();
  await db.schema.dropTable('vulnerability_details').execute();
  await db.schema.alterTable('scanned_images').dropColumn('layer_hashes').execute();
}
