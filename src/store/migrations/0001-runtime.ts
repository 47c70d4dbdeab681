import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('runtime_units')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('unit_id', 'text', (c) => c.notNull())
    .addColumn('platform', 'varchar(3)', (c) => c.notNull())
    .addColumn('cluster_arn', 'text', (c) => c.notNull())
    .addColumn('details_group', 'text', (c) => c.notNull())
    .addColumn('task_definition_arn', 'text')
    .addColumn('workload_name', 'text')
    .addColumn('workload_type', 'text')
    .addColumn('state', 'varchar(8)', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('observed_at', 'bigint', (c) => c.notNull())
    .addColumn('stopped_at', 'bigint')
    .addPrimaryKeyConstraint('runtime_units_pk', ['account_id', 'unit_id'])
    .execute();
  await db.schema
    .createIndex('runtime_units_by_cluster')
    .on('runtime_units')
    .columns(['account_id', 'cluster_arn', 'platform', 'state'])
    .execute();
  await db.schema
    .createTable('runtime_unit_images')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('unit_id', 'text', (c) => c.notNull())
    .addColumn('image_repository', 'text', (c) => c.notNull())
    .addColumn('image_digest', 'varchar(71)', (c) => c.notNull())
    .addPrimaryKeyConstraint('runtime_unit_images_pk', ['account_id', 'unit_id', 'image_repository', 'image_digest'])
    .execute();
  await db.schema
    .createIndex('runtime_unit_images_by_image')
    .on('runtime_unit_images')
    .columns(['account_id', 'image_repository', 'image_digest', 'unit_id'])
    .execute();
  await db.schema
    .createTable('service_secrets')
    .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('service_secrets').execute();
  await db.schema.dropTable('runtime_unit_images').execute();
  await db.schema.dropTable('runtime_units').execute();
}
