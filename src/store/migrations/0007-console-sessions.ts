import type { Kysely } from 'kysely';

// Console sign-in sessions, kept in the database so that every replica knows them. The token itself
// is never stored, only its SHA-256: a copy of the database does not let anyone sign in.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('console_sessions')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('access_key_id', 'varchar(32)', (c) => c.notNull())
    .addColumn('account_id', 'varchar(12)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('console_sessions_by_time').on('console_sessions').column('last_seen_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('console_sessions').execute();
}
