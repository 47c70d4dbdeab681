// Opens the store named by a location: `postgres://...` / `postgresql://...` or a SQLite file path.
// Migrations run on every open; Kysely's migrator serialises concurrent replicas.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type pg from 'pg';
import { postgresDetailsWriter, sqliteDetailsWriter } from './details-writes.ts';
import { postgresFindingsTable, sqliteFindingsTable } from './findings-table.ts';
import { postgresRollupDeltaWriter, sqliteRollupDeltaWriter } from './rollup-delta-writers.ts';
import { migrationProvider } from './migrations/index.ts';
import { KyselyStore } from './kysely-store.ts';
import { isPostgresLocation } from './locations.ts';
import { postgresReadiness, sqliteReadiness } from './readiness.ts';
import type { Database } from './schema.ts';
import { PostgresReads, SqliteReads } from './store-reads.ts';
import { withStatementCache } from './sqlite-statement-cache.ts';
import type { Store } from './store.ts';

export interface StoreOptions {
  /**
   * SQLite: the write connection's page cache in KiB (default: better-sqlite3's 16 MiB). A live feed
   * that only writes keeps it small: the pages it needs are in the OS cache anyway.
   */
  cacheKiB?: number;
  /** Days a CLOSED finding is kept (default: IMAGESCOPE_CLOSED_FINDINGS_DAYS, else 90). */
  closedFindingsDays?: number;
}

const defaultClosedFindingsDays = 90;

function closedFindingsMs(options: StoreOptions): number {
  const value = options.closedFindingsDays ?? Number(process.env.IMAGESCOPE_CLOSED_FINDINGS_DAYS ?? defaultClosedFindingsDays);
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`IMAGESCOPE_CLOSED_FINDINGS_DAYS '${process.env.IMAGESCOPE_CLOSED_FINDINGS_DAYS}' must be a positive number of days`);
  return value * 86_400_000;
}

export async function openStore(location: string, options: StoreOptions = {}): Promise<Store> {
  const retention = { closedFindingsMs: closedFindingsMs(options) };
  const postgres = isPostgresLocation(location);
  const sqlite = postgres ? undefined : openSqlite(location, options);
  const postgresPool = postgres ? await openPostgresPool(location) : undefined;
  const db = sqlite?.db ?? new Kysely<Database>({ dialect: new PostgresDialect({ pool: postgresPool! }) });
  const result = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (result.error) {
    await db.destroy();
    throw new Error(`database migration failed: ${result.error instanceof Error ? result.error.message : String(result.error)}`);
  }
  if (!sqlite) return new KyselyStore(db, 'postgres', { findings: postgresFindingsTable, saveDetails: postgresDetailsWriter, writeRollupDeltas: postgresRollupDeltaWriter }, new PostgresReads(postgresPool!), postgresReadiness(postgresPool!), retention);
  // Opened after the migrations, so that it finds the file in WAL mode with every table in place.
  return new KyselyStore(db, 'sqlite', { findings: sqliteFindingsTable(sqlite.database), saveDetails: sqliteDetailsWriter(sqlite.database), writeRollupDeltas: sqliteRollupDeltaWriter(sqlite.database) }, new SqliteReads(sqlite.path, sqlite.busyTimeoutMs), sqliteReadiness(sqlite.path, sqlite.busyTimeoutMs), retention);
}

function openSqlite(file: string, options: StoreOptions): { db: Kysely<Database>; database: SqliteDatabase.Database; path: string; busyTimeoutMs: number } {
  const path = resolve(file);
  const busyTimeoutMs = Number(process.env.IMAGESCOPE_SQLITE_BUSY_TIMEOUT_MS ?? 15_000);
  mkdirSync(dirname(path), { recursive: true });
  // A CLI ingest may write while the server runs: WAL lets readers go on, and the busy timeout lets
  // one writer wait for the other instead of failing. synchronous=FULL makes every acknowledged
  // commit durable across power loss, not only across a process crash.
  const database = new SqliteDatabase(path, { timeout: busyTimeoutMs });
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  if (options.cacheKiB !== undefined) database.pragma(`cache_size = -${options.cacheKiB}`);
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }), database, path, busyTimeoutMs };
}

/** The pg driver is loaded only for a PostgreSQL store: a SQLite server does not carry it. */
async function openPostgresPool(url: string): Promise<pg.Pool> {
  const { default: pg } = await import('pg');
  // pg returns int8 (bigint, COUNT) as strings; every int8 here is an epoch-ms time, a version or a
  // count, all well inside Number's safe range.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text'),
  };
  // A bounded connect timeout turns an unreachable server into a prompt, retryable error, not a hang.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000, types: types as pg.CustomTypesConfig });
  // An idle connection that the server drops (restart, failover) emits 'error' on the pool; unhandled,
  // that would crash the process. The pool discards the connection and the next query opens another.
  pool.on('error', () => undefined);
  // A connection that drops while a query runs on it (checked out, so without the pool's listener)
  // emits 'error' on its client too: the query already rejects with it, and the pool discards the
  // connection when it is released, so the event itself must not become an uncaught exception.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
