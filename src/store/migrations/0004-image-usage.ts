import type { Kysely } from 'kysely';

// Rollups of runtime use per image, cluster and details group (ECS task group + task definition, or
// EKS namespace with an empty task definition), so that GetClustersForImage reads groups, not units.
export async function up(db: Kysely<any>): Promise<void> {
  const groupColumns = (table: ReturnType<Kysely<any>['schema']['createTable']>) =>
    table
      .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
      .addColumn('image_repository', 'text', (c) => c.notNull())
      .addColumn('image_digest', 'varchar(71)', (c) => c.notNull())
      .addColumn('cluster_arn', 'text', (c) => c.notNull())
      .addColumn('platform', 'varchar(3)', (c) => c.notNull())
      .addColumn('details_group', 'text', (c) => c.notNull())
      .addColumn('task_definition_arn', 'text', (c) => c.notNull());
  const group: any[] = ['account_id', 'image_repository', 'image_digest', 'cluster_arn', 'platform', 'details_group', 'task_definition_arn'];
  await groupColumns(db.schema.createTable('image_usage'))
    .addColumn('running_count', 'bigint', (c) => c.notNull())
    .addColumn('last_in_use', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_usage_pk', group)
    .execute();
  // Every stop of a unit that ran the image (a stopped task or pod never runs again), counted over a
  // time range for stoppedUnitCount.
  await groupColumns(db.schema.createTable('image_stops'))
    .addColumn('stopped_at', 'bigint', (c) => c.notNull())
    .addColumn('unit_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_stops_pk', [...group, 'stopped_at', 'unit_id'])
    .execute();
  await db.schema.createIndex('image_stops_by_time').on('image_stops').columns(['account_id', 'stopped_at']).execute();
  await groupColumns(db.schema.createTable('image_workloads'))
    .addColumn('workload_type', 'text', (c) => c.notNull())
    .addColumn('workload_name', 'text', (c) => c.notNull())
    .addColumn('running_count', 'bigint', (c) => c.notNull())
    .addColumn('last_in_use', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_workloads_pk', [...group, 'workload_type', 'workload_name'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['image_workloads', 'image_stops', 'image_usage']) await db.schema.dropTable(table).execute();
}
