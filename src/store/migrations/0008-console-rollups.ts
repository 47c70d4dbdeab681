import { SqliteAdapter, sql, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import { saveImageSummary, summariseImage } from '../image-summaries.ts';
import { mergeSourceRows, type SourceRow } from './source-rows.ts';
import { summariseImageRuntime } from '../image-runtime.ts';
import { chunks } from '../transactions.ts';

// What the console's lists read instead of findings and groups: one summary row per scanned image
// (its counts) and its vulnerability ids, the clusters each image runs in with its units there, a
// daily snapshot of the account's counts for the trend, when each source last fed the account, the
// digests reports say are the same image as a scanned one, the tags reports give images, and a version
// per account that moves with any of it.
// The long lists live in tables of their own: the rows read on every request stay narrow. Existing
// images get their summaries here, counted from their stored findings.
export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const withoutRowid = sqlite ? sql`without rowid` : sql``;
  const count = (name: string) => (t: any) => t.addColumn(name, 'bigint', (c: any) => c.notNull());
  let summaries = db.schema.createTable('image_finding_summaries')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('image_id', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'bigint', (c) => c.notNull());
  for (const column of ['count_all', 'count_critical', 'count_high', 'count_medium', 'count_low', 'count_informational', 'count_untriaged', 'fixable_all', 'fixable_critical', 'fixable_high', 'vulnerability_count']) summaries = summaries.$call(count(column));
  await summaries.addPrimaryKeyConstraint('image_finding_summaries_pk', ['account_id', 'image_id']).modifyEnd(withoutRowid).execute();
  await db.schema.createTable('image_vulnerability_lists')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('image_id', 'bigint', (c) => c.notNull())
    .addColumn('revision', 'bigint', (c) => c.notNull())
    .addColumn('vulnerabilities', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_vulnerability_lists_pk', ['account_id', 'image_id'])
    .execute();
  await db.schema.createTable('image_cluster_lists')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('image_repository', 'text', (c) => c.notNull())
    .addColumn('image_digest', 'varchar(71)', (c) => c.notNull())
    .addColumn('running_cluster_units', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_cluster_lists_pk', ['account_id', 'image_repository', 'image_digest'])
    .execute();
  let snapshots = db.schema.createTable('severity_snapshots')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('day', 'varchar(10)', (c) => c.notNull());
  for (const scope of ['all', 'running']) for (const severity of ['critical', 'high', 'medium', 'low', 'informational', 'untriaged']) snapshots = snapshots.$call(count(`${scope}_${severity}`));
  await snapshots.addPrimaryKeyConstraint('severity_snapshots_pk', ['account_id', 'day']).modifyEnd(withoutRowid).execute();
  await db.schema.createTable('source_activity')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('source', 'varchar(64)', (c) => c.notNull())
    .addColumn('last_ingest_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('source_activity_pk', ['account_id', 'source'])
    .modifyEnd(withoutRowid)
    .execute();
  await db.schema.createTable('console_versions')
    .addColumn('account_id', 'varchar(12)', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createTable('image_digest_links')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('image_repository', 'text', (c) => c.notNull())
    .addColumn('linked_digest', 'varchar(71)', (c) => c.notNull())
    .addColumn('image_digest', 'varchar(71)', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_digest_links_pk', ['account_id', 'image_repository', 'linked_digest'])
    .execute();
  await db.schema.alterTable('scanned_images').addColumn('image_tags', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.alterTable('image_runtime').addColumn('revision', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await backfill(db as Kysely<Database>);
}

async function backfill(db: Kysely<Database>): Promise<void> {
  const images = await db.selectFrom('scanned_images').select(['account_id', 'image_id']).orderBy('account_id').orderBy('image_id').execute();
  const versions = new Map((await db.selectFrom('rollup_versions').select(['account_id', 'version']).execute()).map((v) => [v.account_id, Number(v.version)]));
  for (const image of images) {
    const rows = await (db as Kysely<any>).selectFrom('image_findings').select(['source', 'vulnerability_id', 'package_name', 'package_version', 'fixed_version', 'severity', 'active', 'observed_at'])
      .where('account_id', '=', image.account_id).where('image_id', '=', image.image_id).execute();
    await saveImageSummary(db, image.account_id, Number(image.image_id), summariseImage(mergeSourceRows(rows as SourceRow[])), versions.get(image.account_id) ?? 0);
  }
  const used = await db.selectFrom('image_runtime').select(['account_id', 'image_repository as repository', 'image_digest as digest']).orderBy('account_id').execute();
  const byAccount = new Map<string, { repository: string; digest: string }[]>();
  for (const u of used) {
    if (!byAccount.has(u.account_id)) byAccount.set(u.account_id, []);
    byAccount.get(u.account_id)!.push(u);
  }
  for (const [accountId, keys] of byAccount) for (const chunk of chunks(keys, 100)) await summariseImageRuntime(db, accountId, chunk);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('image_runtime').dropColumn('revision').execute();
  await db.schema.alterTable('scanned_images').dropColumn('image_tags').execute();
  await db.schema.dropTable('image_cluster_lists').execute();
  await db.schema.dropTable('image_vulnerability_lists').execute();
  await db.schema.dropTable('image_digest_links').execute();
  await db.schema.dropTable('console_versions').execute();
  await db.schema.dropTable('source_activity').execute();
  await db.schema.dropTable('severity_snapshots').execute();
  await db.schema.dropTable('image_finding_summaries').execute();
}
