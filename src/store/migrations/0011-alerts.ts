import { SqliteAdapter, sql, type Kysely } from 'kysely';

// Exposure alerts. What each running image contributes to each exposure (account, cluster,
// vulnerability), kept by every writer in its own transaction while alerts are on; what each
// destination has been told of each exposure; and the outbox of deliveries a relay sends. The
// destinations' routing (filters and timings, never URLs or secrets) is server-wide, as the access
// keys are; the clusters known to alerts let a cluster's first sync be recorded silently.
export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const withoutRowid = sqlite ? sql`without rowid` : sql``;
  await db.schema
    .createTable('alert_destinations')
    .addColumn('name', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('routing', 'text', (c) => c.notNull())
    .addColumn('registered_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('alert_clusters')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('cluster_arn', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('alert_clusters_pk', ['account_id', 'cluster_arn'])
    .modifyEnd(withoutRowid)
    .execute();
  await db.schema
    .createTable('exposure_carriers')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('vulnerability_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('cluster_arn', 'text', (c) => c.notNull())
    .addColumn('image_repository', 'text', (c) => c.notNull())
    .addColumn('image_digest', 'varchar(71)', (c) => c.notNull())
    .addColumn('details_group', 'text', (c) => c.notNull())
    .addColumn('platform', 'varchar(3)', (c) => c.notNull())
    .addColumn('severity_rank', 'integer', (c) => c.notNull())
    .addColumn('fixable', 'integer', (c) => c.notNull())
    // The ids the image's findings give it where they are aliases of vulnerability_id (comma-separated).
    .addColumn('aliases', 'text', (c) => c.notNull())
    // By image: a write rewrites the carriers of the images it changed.
    .addPrimaryKeyConstraint('exposure_carriers_pk', ['account_id', 'image_repository', 'image_digest', 'vulnerability_id', 'cluster_arn', 'details_group'])
    .modifyEnd(withoutRowid)
    .execute();
  // By exposure, covering what an exposure is looked at for (the key's other columns come with it):
  // SQLite's planner takes an account's whole primary-key range over an index it must look up from.
  await db.schema.createIndex('exposure_carriers_by_exposure').on('exposure_carriers').columns(['account_id', 'vulnerability_id', 'cluster_arn', 'severity_rank', 'fixable', 'platform', 'aliases']).execute();
  await db.schema
    .createTable('exposure_notices')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('destination', 'varchar(128)', (c) => c.notNull())
    .addColumn('vulnerability_id', 'varchar(128)', (c) => c.notNull())
    .addColumn('cluster_arn', 'text', (c) => c.notNull())
    .addColumn('exposure_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('state', 'varchar(8)', (c) => c.notNull())
    .addColumn('severity_rank', 'integer', (c) => c.notNull())
    .addColumn('exploited', 'integer', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('unmatched_since', 'bigint')
    .addColumn('resolved_at', 'bigint')
    // By exposure first: a write looks at its exposures for every destination at once.
    .addPrimaryKeyConstraint('exposure_notices_pk', ['account_id', 'vulnerability_id', 'cluster_arn', 'destination'])
    .modifyEnd(withoutRowid)
    .execute();
  await db.schema.createIndex('exposure_notices_by_destination').on('exposure_notices').columns(['account_id', 'destination', 'state']).execute();
  // The relay's sweep: open exposures that nothing carries any more.
  await db.schema.createIndex('exposure_notices_unmatched').on('exposure_notices').columns(['unmatched_since']).where(sql.ref('unmatched_since'), 'is not', null).execute();
  await db.schema
    .createTable('alert_deliveries')
    .addColumn('delivery_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('destination', 'varchar(128)', (c) => c.notNull())
    .addColumn('event_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('event_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('event_time', 'bigint', (c) => c.notNull())
    // What the event is about (JSON): exposure, severity, and what changed. The payload is built from
    // it and the data at the first attempt, then kept, so that every retry sends the same body.
    .addColumn('facts', 'text', (c) => c.notNull())
    .addColumn('payload', 'text')
    .addColumn('message_id', 'varchar(64)')
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_status', 'integer')
    .addColumn('last_answer', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('alert_deliveries_due').on('alert_deliveries').columns(['destination', 'state', 'next_attempt_at']).execute();
  await db.schema.createIndex('alert_deliveries_by_message').on('alert_deliveries').columns(['message_id']).execute();
  await db.schema.createIndex('alert_deliveries_by_time').on('alert_deliveries').columns(['created_at']).execute();
  await db.schema.createIndex('alert_deliveries_finished').on('alert_deliveries').columns(['finished_at']).where(sql.ref('finished_at'), 'is not', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['alert_deliveries', 'exposure_notices', 'exposure_carriers', 'alert_clusters', 'alert_destinations']) await db.schema.dropTable(table).execute();
}
