import type { Kysely } from 'kysely';

// The highest rollup version a multi-page ListImageScanFindingAggregations sequence has begun at.
// Rows it can see must be kept as they were (closed and reopened on change); every newer row is
// updated in place, which halves the rollup writes of an ingest.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rollup_versions').addColumn('pinned_version', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rollup_versions').dropColumn('pinned_version').execute();
}
