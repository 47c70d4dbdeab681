// Whether the store can serve: the answer behind GET /_imagescope/health/ready. A probe reads the
// applied migrations within a second (on SQLite on a connection of its own, so that it never waits
// behind this process's writes; on PostgreSQL through the pool, raced against a timer).
//
// A SQLite write lock held by another process is normal for a while (a CLI ingest); it makes the
// store unready only once a write of ours has waited past the busy timeout for it, and until the lock
// is free again, which the probe tries without waiting.
import SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import { migrationNames } from './migrations/index.ts';
import { isStoreUnavailable } from './unavailable.ts';

export const readinessTimeoutMs = 1_000;

interface Probe {
  appliedMigrations(): Promise<string[]>;
  /** SQLite: whether the write lock can be taken right now (PostgreSQL has no store-wide lock). */
  writeLockFree(): boolean;
  close(): void;
}

export class Readiness {
  private lockTimedOut = false;

  constructor(private readonly probe: Probe, private readonly busyTimeoutMs: number) {}

  /** Called after every write transaction, with its failure if it failed. */
  wrote(error?: unknown): void {
    if (error === undefined) this.lockTimedOut = false;
    else if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) this.lockTimedOut = true;
  }

  /** Why the store cannot serve now, or undefined when it can. */
  async check(): Promise<string | undefined> {
    let applied: string[];
    try {
      applied = await withTimeout(this.probe.appliedMigrations());
    } catch (error) {
      return unavailableReason(error);
    }
    const missing = migrationNames.filter((name) => !applied.includes(name));
    if (missing.length) return `migrations not applied: ${missing.join(', ')}`;
    if (this.lockTimedOut) {
      if (!this.probe.writeLockFree()) return `database locked: a write waited past the ${this.busyTimeoutMs} ms busy timeout and the lock is still held`;
      this.lockTimedOut = false;
    }
    return undefined;
  }

  close(): void {
    this.probe.close();
  }
}

function unavailableReason(error: unknown): string {
  if (error instanceof ProbeTimeout) return `the database did not answer within ${readinessTimeoutMs} ms`;
  const { code, message } = error as { code?: string; message?: string };
  if (code?.startsWith('SQLITE_BUSY')) return `database locked: no answer within ${readinessTimeoutMs} ms (${code})`;
  if (/no such table|does not exist/.test(message ?? '')) return 'migrations not applied: the database has no migration table';
  return `database unavailable: ${isStoreUnavailable(error) ? (code ?? message) : message}`;
}

class ProbeTimeout extends Error {}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ProbeTimeout()), readinessTimeoutMs)));
  work.catch(() => undefined); // a probe that answers after its deadline is of no interest
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const appliedMigrationsSql = 'select name from kysely_migration';

export function sqliteReadiness(file: string, busyTimeoutMs: number): Readiness {
  let connection: SqliteDatabase.Database | undefined;
  const open = () => (connection ??= new SqliteDatabase(file, { timeout: readinessTimeoutMs, fileMustExist: true }));
  return new Readiness(
    {
      appliedMigrations: async () => (open().prepare(appliedMigrationsSql).pluck().all() as string[]),
      writeLockFree: () => {
        const database = open();
        const waited = database.pragma('busy_timeout', { simple: true });
        database.pragma('busy_timeout = 0');
        try {
          database.exec('begin immediate');
          database.exec('rollback');
          return true;
        } catch {
          return false;
        } finally {
          database.pragma(`busy_timeout = ${waited}`);
        }
      },
      close: () => connection?.close(),
    },
    busyTimeoutMs,
  );
}

export function postgresReadiness(pool: pg.Pool): Readiness {
  return new Readiness(
    {
      appliedMigrations: async () => (await pool.query<{ name: string }>(appliedMigrationsSql)).rows.map((row) => row.name),
      writeLockFree: () => true,
      close: () => undefined,
    },
    0,
  );
}
