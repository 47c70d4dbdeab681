// Fresh databases for the benchmark: a SQLite file in a temporary directory, or a new PostgreSQL
// database next to IMAGESCOPE_BENCH_DATABASE_URL (else IMAGESCOPE_TEST_DATABASE_URL).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface BenchDatabase {
  kind: 'sqlite' | 'postgres';
  location: string;
  /** After a bulk load: the database as it is once its housekeeping has run (statistics). */
  settle(): Promise<void>;
  drop(): Promise<void>;
}

export const postgresAdminUrl = process.env.IMAGESCOPE_BENCH_DATABASE_URL ?? process.env.IMAGESCOPE_TEST_DATABASE_URL;

export async function createDatabase(kind: 'sqlite' | 'postgres'): Promise<BenchDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'imagescope-bench-'));
    return { kind, location: join(dir, 'bench.sqlite'), settle: async () => undefined, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!postgresAdminUrl) throw new Error('set IMAGESCOPE_BENCH_DATABASE_URL (or IMAGESCOPE_TEST_DATABASE_URL) to benchmark PostgreSQL');
  const name = `imagescope_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    location: url.toString(),
    async settle() {
      // What autovacuum does within a minute of a bulk load: without statistics the planner reads a
      // whole account's details to find a page's 100 (ListFindings p50 25 ms instead of 8 ms).
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      await client.query('analyze');
      await client.end();
    },
    async drop() {
      const client = new pg.Client({ connectionString: postgresAdminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
