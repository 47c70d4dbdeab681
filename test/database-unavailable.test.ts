// A database that is locked or unreachable yields the services' retryable errors with Retry-After,
// never a hang or a crash, and the server recovers by itself when the database is back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { databaseKinds, postgresTestUrl } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { ingestViaEndpoint, postRaw, readiness, startTestServer } from './helpers/server.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';
import { sql } from 'kysely';
import { openStore } from '../src/store/open-store.ts';
import type { KyselyStore } from '../src/store/kysely-store.ts';

const query = JSON.stringify({ filter: { resourceId: 'arn:aws:ecr:us-west-2:111122223333:repository/app' } });

describe('an unavailable database', () => {
  it('SQLite locked by another writer: ingest gets 503 with Retry-After, then succeeds once the lock is gone', async () => {
    const previous = process.env.IMAGESCOPE_SQLITE_BUSY_TIMEOUT_MS;
    process.env.IMAGESCOPE_SQLITE_BUSY_TIMEOUT_MS = '300';
    const server = await startTestServer(databaseKinds[0]);
    try {
      const locker = new SqliteDatabase(server.database.location, { timeout: 0 });
      locker.exec('BEGIN EXCLUSIVE');
      const events = jsonLines([ecsTaskEvent({ cluster: 'locked', task: 't1' })]);
      const started = Date.now();
      const blocked = await ingestViaEndpoint(server.url, events);
      assert.equal(blocked.status, 503);
      assert.equal(blocked.body.error, 'ServiceUnavailableException');
      assert.match(blocked.body.message, /nothing was stored/);
      assert.ok(Date.now() - started < 20_000);
      assert.equal((await postRaw(server.url, '/cluster/get', query)).status, 200, 'reads go on under a write lock (WAL)');
      assert.deepEqual(await readiness(server.url), { status: 503, body: { status: 'not ready', reason: 'database locked: a write waited past the 300 ms busy timeout and the lock is still held' } });
      locker.exec('ROLLBACK');
      locker.close();
      assert.deepEqual(await readiness(server.url), { status: 200, body: { status: 'ready' } }, 'ready again once the lock is free, before any write');
      const retried = await ingestViaEndpoint(server.url, events);
      assert.equal(retried.status, 200);
    } finally {
      if (previous === undefined) delete process.env.IMAGESCOPE_SQLITE_BUSY_TIMEOUT_MS;
      else process.env.IMAGESCOPE_SQLITE_BUSY_TIMEOUT_MS = previous;
      await server.stop();
    }
  });

  it('PostgreSQL dropping a connection while a query runs on it: the query fails, the process goes on', { skip: !postgresTestUrl && 'IMAGESCOPE_TEST_DATABASE_URL is not set' }, async () => {
    const database = await databaseKinds[1].create();
    const proxy = await startTcpProxy(new URL(database.location));
    const viaProxy = new URL(database.location);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const store = await openStore(viaProxy.toString());
    const uncaught: unknown[] = [];
    const record = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', record);
    try {
      const running = sql`select pg_sleep(2)`.execute((store as KyselyStore).db);
      await new Promise((r) => setTimeout(r, 200));
      await proxy.cut();
      await assert.rejects(running, /Connection terminated unexpectedly/);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(uncaught, [], 'no uncaught error event');
    } finally {
      process.removeListener('uncaughtException', record);
      await store.close();
      await proxy.close();
      await database.drop();
    }
  });

  it('PostgreSQL unreachable: each service answers its retryable error with Retry-After, and recovers', { skip: !postgresTestUrl && 'IMAGESCOPE_TEST_DATABASE_URL is not set' }, async () => {
    const database = await databaseKinds[1].create();
    const target = new URL(database.location);
    const proxy = await startTcpProxy(target);
    const viaProxy = new URL(database.location);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const server = await startTestServer(databaseKinds[1], { database: { location: viaProxy.toString(), drop: database.drop } });
    try {
      assert.equal((await postRaw(server.url, '/cluster/get', query)).status, 200);
      assert.equal((await readiness(server.url)).status, 200);
      await proxy.cut();
      const started = Date.now();
      const down = await readiness(server.url);
      assert.equal(down.status, 503);
      assert.match(down.body.reason, /^(database unavailable: (ECONNREFUSED|Connection terminated unexpectedly)|the database did not answer within 1000 ms)$/);
      assert.ok(Date.now() - started < 3_000, 'the ready check answers promptly while the database is down');
      assert.equal((await fetch(`${server.url}/_imagescope/health/live`)).status, 200, 'live while the database is down');
      const inspector = await postRaw(server.url, '/cluster/get', query);
      assert.equal(inspector.status, 500);
      assert.equal(inspector.headers.get('x-amzn-errortype'), 'InternalServerException');
      assert.equal(inspector.headers.get('retry-after'), '1');
      const builder = await postRaw(server.url, '/ListImageScanFindingAggregations', '{}');
      assert.equal(builder.status, 503);
      assert.equal(builder.headers.get('x-amzn-errortype'), 'ServiceUnavailableException');
      assert.equal(builder.headers.get('retry-after'), '1');
      const ingest = await ingestViaEndpoint(server.url, jsonLines([ecsTaskEvent({ cluster: 'down', task: 't1' })]));
      assert.equal(ingest.status, 503);
      await proxy.restore();
      assert.deepEqual(await readiness(server.url), { status: 200, body: { status: 'ready' } });
      assert.equal((await postRaw(server.url, '/cluster/get', query)).status, 200, 'recovered without a restart');
      assert.equal((await postRaw(server.url, '/ListImageScanFindingAggregations', '{}')).status, 200);
    } finally {
      await server.stop();
      await proxy.close();
    }
  });
});
