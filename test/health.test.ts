// GET /_imagescope/health/live and /ready: no credentials, no throttling, nothing about tenants, and
// readiness that follows the store (migrations here; a locked or unreachable database in
// database-unavailable.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { KyselyStore } from '../src/store/kysely-store.ts';
import { databaseKinds } from './helpers/databases.ts';
import { readiness, startTestServer, type TestServer } from './helpers/server.ts';

for (const kind of databaseKinds) {
  describe(`health checks on ${kind.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(kind, { env: { IMAGESCOPE_AUTH: 'sigv4', IMAGESCOPE_THROTTLE_RATE: '1', IMAGESCOPE_THROTTLE_BURST: '1' } });
    });
    after(() => server.stop());

    it('answers live and ready without credentials under sigv4, and is never throttled', async () => {
      const unsigned = await fetch(`${server.url}/cluster/get`, { method: 'POST', body: '{}' });
      assert.equal(unsigned.status, 403, 'the AWS operations do need a signature');
      for (let i = 0; i < 20; i++) {
        const live = await fetch(`${server.url}/_imagescope/health/live`);
        assert.equal(live.status, 200);
        assert.deepEqual(await live.json(), { status: 'live' });
        assert.equal(live.headers.get('cache-control'), 'no-store');
        assert.deepEqual(await readiness(server.url), { status: 200, body: { status: 'ready' } });
      }
    });

    it('is not ready while a migration is missing, and ready again once it is applied', async () => {
      const db = (server.store as KyselyStore).db;
      const [row] = (await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration where name = '0005-pinned-rollup-versions'`.execute(db)).rows;
      await sql`delete from kysely_migration where name = ${row.name}`.execute(db);
      try {
        assert.deepEqual(await readiness(server.url), { status: 503, body: { status: 'not ready', reason: 'migrations not applied: 0005-pinned-rollup-versions' } });
      } finally {
        await sql`insert into kysely_migration (name, timestamp) values (${row.name}, ${row.timestamp})`.execute(db);
      }
      assert.equal((await readiness(server.url)).status, 200);
    });
  });
}
