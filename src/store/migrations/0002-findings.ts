import { SqliteAdapter, sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // On SQLite, tables keyed by their primary key alone are stored in that key's B-tree
  // (WITHOUT ROWID): one index to maintain per row instead of two.
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const clustered = sqlite ? sql`without rowid` : sql``;
  await db.schema
    .createTable('scanned_images')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('image_repository', 'text', (c) => c.notNull())
    .addColumn('image_digest', 'varchar(71)', (c) => c.notNull())
    // A short id for the image within the account, so that findings do not repeat its ARN and digest.
    .addColumn('image_id', 'bigint', (c) => c.notNull())
    .addColumn('image_build_version_arn', 'text')
    .addColumn('image_pipeline_arn', 'text')
    .addPrimaryKeyConstraint('scanned_images_pk', ['account_id', 'image_repository', 'image_digest'])
    .execute();
  await db.schema.createIndex('scanned_images_by_id').unique().on('scanned_images').columns(['account_id', 'image_id']).execute();
  await db.schema
    .createTable('image_reports')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('image_id', 'bigint', (c) => c.notNull())
    .addColumn('source', 'varchar(64)', (c) => c.notNull())
    .addColumn('report_time', 'bigint', (c) => c.notNull())
    .addColumn('content_hash', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_reports_pk', ['account_id', 'image_id', 'source'])
    .execute();
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
    .addPrimaryKeyConstraint('image_findings_pk', ['account_id', 'image_id', 'source', 'vulnerability_id', 'package_name', 'package_version'])
    .modifyEnd(clustered)
    .execute();
  await db.schema
    .createTable('finding_rollups')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('aggregation', 'varchar(32)', (c) => c.notNull())
    .addColumn('aggregation_key', 'text', (c) => c.notNull())
    .addColumn('version_from', 'bigint', (c) => c.notNull())
    .addColumn('version_to', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('count_all', 'bigint', (c) => c.notNull())
    .addColumn('count_critical', 'bigint', (c) => c.notNull())
    .addColumn('count_high', 'bigint', (c) => c.notNull())
    .addColumn('count_medium', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('finding_rollups_pk', ['account_id', 'aggregation', 'aggregation_key', 'version_from'])
    .modifyEnd(clustered)
    .execute();
  // The worst-first listing reads the current rows through this index, in order, and stops after one
  // page; closed (history) rows are not in it, so their number does not slow the listing.
  await db.schema
    .createIndex('finding_rollups_current_worst_first')
    .on('finding_rollups')
    .columns(['account_id', 'aggregation', 'count_critical desc', 'count_high desc', 'count_medium desc', 'count_all desc', 'aggregation_key'])
    .where(sql.ref('version_to'), 'is', null)
    .execute();
  await db.schema
    .createTable('rollup_versions')
    .addColumn('account_id', 'varchar(12)', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['rollup_versions', 'finding_rollups', 'image_findings', 'image_reports', 'scanned_images']) {
    await db.schema.dropTable(table).execute();
  }
}
