import type { Kysely } from 'kysely';

// Scans that gave no findings (ECR's FAILED or UNSUPPORTED_IMAGE, a scanner that failed), the newest
// per image and source: coverage shows why a running image has no current scan. Keyed by account
// first, as every tenant table is.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('image_scan_failures')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('image_repository', 'text', (c) => c.notNull())
    .addColumn('image_digest', 'varchar(71)', (c) => c.notNull())
    .addColumn('source', 'varchar(64)', (c) => c.notNull())
    .addColumn('reason', 'varchar(64)', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('failed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_scan_failures_pk', ['account_id', 'image_repository', 'image_digest', 'source'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('image_scan_failures').execute();
}
