import { SqliteAdapter, sql, type Kysely } from 'kysely';

// What the console reads. A finding's fixed version ("what fixes it"); the active findings of one
// vulnerability by image; and each image's runtime use in one row (running units, last use, clusters
// running it), so that the exposure of a CVE reads one row per image that carries it, whatever the
// store holds.
export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema.alterTable('image_findings').addColumn('fixed_version', 'text').execute();
  await db.schema
    .createIndex('image_findings_by_vulnerability')
    .on('image_findings')
    .columns(['account_id', 'vulnerability_id', 'image_id'])
    .where(sql.ref('active'), '=', 1)
    .execute();
  await db.schema
    .createTable('image_runtime')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('image_repository', 'text', (c) => c.notNull())
    .addColumn('image_digest', 'varchar(71)', (c) => c.notNull())
    .addColumn('running_count', 'bigint', (c) => c.notNull())
    .addColumn('last_in_use', 'bigint', (c) => c.notNull())
    .addColumn('running_clusters', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_runtime_pk', ['account_id', 'image_repository', 'image_digest'])
    .modifyEnd(sqlite ? sql`without rowid` : sql``)
    .execute();
  await sql`insert into image_runtime (account_id, image_repository, image_digest, running_count, last_in_use, running_clusters)
    select account_id, image_repository, image_digest, sum(running_count), max(last_in_use), count(distinct case when running_count > 0 then cluster_arn end)
    from image_usage group by account_id, image_repository, image_digest`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('image_runtime').execute();
  await db.schema.dropIndex('image_findings_by_vulnerability').execute();
  await db.schema.alterTable('image_findings').dropColumn('fixed_version').execute();
}
