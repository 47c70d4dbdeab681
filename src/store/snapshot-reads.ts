// The reads the AWS operations make on every request: prepared queries (see prepared-query.ts), and
// reads that must agree with each other (a rollup version and the rows as of it) on one snapshot.
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

export interface SnapshotReads {
  /** One statement, on its own. */
  read: RunRead;
  /** Runs `work` with every read on one consistent snapshot. */
  snapshot<T>(work: (read: RunRead) => Promise<T>): Promise<T>;
  close(): void;
}

export class SqliteSnapshotReads implements SnapshotReads {
  private readonly connection: CachedSqliteDatabase;
  private readonly database: SqliteDatabase.Database;
  /** Snapshots on the one read connection take turns: SQLite has no nested transactions. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(file: string, busyTimeoutMs: number) {
    this.database = new SqliteDatabase(file, { timeout: busyTimeoutMs });
    this.database.pragma('query_only = ON');
    this.database.pragma('mmap_size = 268435456');
    this.connection = withStatementCache(this.database);
  }

  read: RunRead = async <R>(query: CompiledRead) => this.connection.prepare(query.sql).all(...query.parameters) as R[];

  snapshot<T>(work: (read: RunRead) => Promise<T>): Promise<T> {
    const result = this.turn.then(async () => {
      // A deferred BEGIN: the snapshot is taken by the first read and held until COMMIT.
      this.connection.prepare('begin').run();
      try {
        return await work(this.read);
      } finally {
        this.connection.prepare('commit').run();
      }
    });
    this.turn = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.database.close();
  }
}

/** PostgreSQL: through the pool; a snapshot is a REPEATABLE READ transaction. */
export class KyselySnapshotReads implements SnapshotReads {
  constructor(private readonly db: Kysely<Database>) {}

  read: RunRead = (query) => runOn(this.db, query);

  snapshot<T>(work: (read: RunRead) => Promise<T>): Promise<T> {
    return this.db.transaction().setIsolationLevel('repeatable read').execute((trx) => work((query) => runOn(trx, query)));
  }

  close(): void {}
}

async function runOn<R>(db: Kysely<Database>, query: CompiledRead): Promise<R[]> {
  return (await db.executeQuery<R>(CompiledQuery.raw(query.sql, [...query.parameters]))).rows;
}
