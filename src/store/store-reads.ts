// The reads the AWS operations make on every request, as prepared queries (see prepared-query.ts).
// Each is one statement, so each reads one consistent snapshot on either database.
//
// On SQLite they run on a connection of their own, apart from the one that writes: a read then never
// waits behind an ingest's write transaction (WAL lets readers go on), never sees into one, and calls
// better-sqlite3 directly instead of going through Kysely's asynchronous driver.
import SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import type { CompiledRead } from './prepared-query.ts';
import { withStatementCache, type CachedSqliteDatabase } from './sqlite-statement-cache.ts';

export type RunRead = <R>(query: CompiledRead) => Promise<R[]>;

export interface StoreReads {
  read: RunRead;
  /** See Store.changeStamp. */
  changeStamp(): number | undefined;
  close(): void;
}

export class SqliteReads implements StoreReads {
  private readonly connection: CachedSqliteDatabase;
  private readonly dataVersion: SqliteDatabase.Statement;

  constructor(file: string, busyTimeoutMs: number) {
    const database = new SqliteDatabase(file, { timeout: busyTimeoutMs });
    database.pragma('query_only = ON');
    this.connection = withStatementCache(database);
    this.dataVersion = database.prepare('PRAGMA data_version').pluck();
  }

  read: RunRead = async <R>(query: CompiledRead) => this.connection.prepare(query.sql).all(...query.parameters) as R[];

  /**
   * SQLite's data_version: it changes whenever another connection, in this process (the writer) or
   * any other (the CLI, another server), commits to the file. This connection never writes, so it
   * changes on every commit there is; reading it touches no table.
   */
  changeStamp(): number {
    return this.dataVersion.get() as number;
  }

  close(): void {
    this.connection.close();
  }
}

/**
 * PostgreSQL: straight through the pool, as named statements, so that each connection parses and
 * plans a query once rather than on every request.
 */
export class PostgresReads implements StoreReads {
  private readonly names = new Map<string, string>();

  constructor(private readonly pool: pg.Pool) {}

  read: RunRead = async <R>(query: CompiledRead) => {
    let name = this.names.get(query.sql);
    if (!name) {
      name = `imagescope_read_${this.names.size}`;
      this.names.set(query.sql, name);
    }
    return (await this.pool.query({ name, text: query.sql, values: [...query.parameters] })).rows as R[];
  };

  /** PostgreSQL has no per-connection commit counter that is cheaper than the reads it would save. */
  changeStamp(): undefined {
    return undefined;
  }

  close(): void {}
}
