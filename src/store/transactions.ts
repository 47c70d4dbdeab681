import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Runs `work` in one write transaction. On SQLite it is `BEGIN IMMEDIATE`: taking the write lock up
 * front makes a second writer (the CLI while the server runs) wait on the busy timeout, where a
 * deferred transaction that reads then writes would fail with SQLITE_BUSY instead.
 */
export async function writeTransaction<T>(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (dialect === 'postgres') return db.transaction().execute(work);
  return db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
