// The stores every integration suite runs against: SQLite always, PostgreSQL when
// IMAGESCOPE_TEST_DATABASE_URL points at a server (CI sets it). Each test database is new and is
// dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { tempDir } from './temp.ts';

export interface TestDatabase {
  location: string;
  drop(): Promise<void>;
}

export interface DatabaseKind {
  name: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

export const postgresTestUrl = process.env.IMAGESCOPE_TEST_DATABASE_URL;

const sqlite: DatabaseKind = {
  name: 'sqlite',
  async create() {
    const dir = await tempDir();
    return { location: `${dir.path}/imagescope.sqlite`, drop: dir.remove };
  },
};

const postgres: DatabaseKind = {
  name: 'postgres',
  async create() {
    const name = `imagescope_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: postgresTestUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(postgresTestUrl!);
    url.pathname = `/${name}`;
    return {
      location: url.toString(),
      async drop() {
        const client = new pg.Client({ connectionString: postgresTestUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  },
};

export const databaseKinds: DatabaseKind[] = postgresTestUrl ? [sqlite, postgres] : [sqlite];
