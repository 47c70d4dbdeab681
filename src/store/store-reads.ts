// The reads the AWS operations make on every request, as prepared queries (see prepared-query.ts).
// Each is one statement, so each reads one consistent snapshot on either database.
//
// On SQLite they run on a connection of their own, apart from the one that writes: a read then never
// waits behind an ingest's write transaction (WAL lets readers go on), never sees into one, and calls
// better-sqlite3 directly instead of going through Kysely's asynchronous driver.
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, type Kysely } from 'kysely';
import type { CompiledRead } from './prepared-query.ts';
import type { Database } from './schema.ts';
import { withStatementCache, type CachedSqliteDatabase } from './sqlite-statement-cache.ts';

export type RunRead = <R>(query: CompiledRead) => Promise<R[]>;

export interface StoreReads {
  read: RunRead;
  close(): void;
}

export class SqliteReads implements StoreReads {
  private readonly connection: CachedSqliteDatabase;

  constructor(file: string, busyTimeoutMs: number) {
    const database = new SqliteDatabase(file, { timeout: busyTimeoutMs });
    database.pragma('query_only = ON');
    this.connection = withStatementCache(database);
  }

  read: RunRead = async <R>(query: CompiledRead) => this.connection.prepare(query.sql).all(...query.parameters) as R[];

  close(): void {
    this.connection.close();
  }
}

/** PostgreSQL: through the pool. */
export class KyselyReads implements StoreReads {
  constructor(private readonly db: Kysely<Database>) {}

  read: RunRead = async <R>(query: CompiledRead) => (await this.db.executeQuery<R>(CompiledQuery.raw(query.sql, [...query.parameters]))).rows;

  close(): void {}
}
