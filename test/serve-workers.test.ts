// `imagescope serve --workers N`: several server processes on one port behave as one server. Each
// request below opens a new connection, so the primary spreads them over the workers.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListImageScanFindingAggregationsCommand } from '@aws-sdk/client-imagebuilder';
import { exitOf, startServeProcess } from './helpers/cli.ts';
import { databaseKinds } from './helpers/databases.ts';
import { digestOf, trivyReport } from './helpers/reports.ts';
import { imagebuilderClient, ingestViaEndpoint } from './helpers/server.ts';

const account = '111122223333';

/** Live child processes of `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).flatMap((name) => {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return fields[0] !== 'Z' && Number(fields[1]) === pid ? [Number(name)] : [];
    } catch {
      return []; // the process ended while being read
    }
  });
}

/** Node child processes only (the primary also runs an esbuild service for the TypeScript loader). */
function workersOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('imagescope.js'));
}

for (const kind of databaseKinds) {
  describe(`imagescope serve --workers 2 on ${kind.name}`, () => {
    let database: Awaited<ReturnType<typeof kind.create>>;
    let server: Awaited<ReturnType<typeof startServeProcess>>;

    before(async () => {
      database = await kind.create();
      server = await startServeProcess(['--port', '0', '--db', database.location, '--workers', '2']);
    });

    after(async () => {
      if (server.child.exitCode === null) {
        server.child.kill('SIGTERM');
        await exitOf(server.child);
      }
      await database.drop();
    });

    it('runs two workers behind one port', () => {
      assert.equal(workersOf(server.child.pid!).length, 2);
    });

    it('answers every connection from the one store: ingests, counts and pagination across workers', async () => {
      for (let i = 0; i < 4; i++) {
        const ingest = await ingestViaEndpoint(server.url, trivyReport(i, 400), { image: `${account}.dkr.ecr.us-west-2.amazonaws.com/app@${digestOf(i + 1)}` });
        assert.equal(ingest.status, 200);
      }
      const totals = [];
      for (let i = 0; i < 4; i++) {
        const page = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({}));
        totals.push(page.responses![0].accountAggregation!.severityCounts!.all);
      }
      assert.deepEqual(totals, [1600, 1600, 1600, 1600]);
      // Each page on a new client (a new connection): tokens sealed by one worker open on the other.
      const keys: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' }, nextToken }));
        keys.push(...page.responses!.map((r) => r.vulnerabilityIdAggregation!.vulnerabilityId!));
        nextToken = page.nextToken;
      } while (nextToken);
      assert.ok(keys.length > 200, `expected several pages, got ${keys.length} keys`);
      assert.equal(new Set(keys).size, keys.length);
    });

    it('replaces a worker that dies, and stops every worker on SIGTERM', async () => {
      const [victim] = workersOf(server.child.pid!);
      process.kill(victim, 'SIGKILL');
      let workers: number[] = [];
      for (let i = 0; i < 100 && (workers.length !== 2 || workers.includes(victim)); i++) {
        await sleep(100);
        workers = workersOf(server.child.pid!);
      }
      assert.equal(workers.length, 2);
      assert.ok(!workers.includes(victim));
      const page = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({}));
      assert.equal(page.responses![0].accountAggregation!.severityCounts!.all, 1600);
      server.child.kill('SIGTERM');
      assert.equal(await exitOf(server.child), 0);
      for (const pid of workers) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} still runs`);
    });
  });
}
