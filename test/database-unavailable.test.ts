// A database that is locked or unreachable yields the services' retryable errors with Retry-After,
// never a hang or a crash, and the server recovers by itself when the database is back.
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { databaseKinds, postgresTestUrl } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { ingestViaEndpoint, postRaw, startTestServer } from './helpers/server.ts';

const query = JSON.stringify({ filter: { resourceId: 'arn:aws:ecr:us-west-2:111122223333:repository/app' } });

/** A TCP proxy to PostgreSQL that a test can cut and restore, as if the database went away. */
async function startProxy(target: URL): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  await listen();
  return { port, cut, restore: listen, close: cut };
}

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
      locker.exec('ROLLBACK');
      locker.close();
      const retried = await ingestViaEndpoint(server.url, events);
      assert.equal(retried.status, 200);
    } finally {
      if (previous === undefined) delete process.env.IMAGESCOPE_SQLITE_BUSY_TIMEOUT_MS;
      else process.env.IMAGESCOPE_SQLITE_BUSY_TIMEOUT_MS = previous;
      await server.stop();
    }
  });

  it('PostgreSQL unreachable: each service answers its retryable error with Retry-After, and recovers', { skip: !postgresTestUrl && 'IMAGESCOPE_TEST_DATABASE_URL is not set' }, async () => {
    const database = await databaseKinds[1].create();
    const target = new URL(database.location);
    const proxy = await startProxy(target);
    const viaProxy = new URL(database.location);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const server = await startTestServer(databaseKinds[1], { database: { location: viaProxy.toString(), drop: database.drop } });
    try {
      assert.equal((await postRaw(server.url, '/cluster/get', query)).status, 200);
      await proxy.cut();
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
      assert.equal((await postRaw(server.url, '/cluster/get', query)).status, 200, 'recovered without a restart');
      assert.equal((await postRaw(server.url, '/ListImageScanFindingAggregations', '{}')).status, 200);
    } finally {
      await server.stop();
      await proxy.close();
    }
  });
});
