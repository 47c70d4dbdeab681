import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('access_keys')
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('access_key_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('secret_access_key', 'text', (c) => c.notNull())
    .addColumn('role', 'varchar(8)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addPrimaryKeyConstraint('access_keys_pk', ['account_id', 'access_key_id'])
    .execute();
  await db.schema.createIndex('access_keys_by_id').unique().on('access_keys').column('access_key_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('access_keys').execute();
}
