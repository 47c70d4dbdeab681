// A bounded load: many concurrent real SDK clients mixing both operations with ingestion against one
// server process. Zero errors other than modelled throttling, and the server's memory levels off.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand } from '@aws-sdk/client-imagebuilder';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import { exitOf, startServeProcess } from './helpers/cli.ts';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { seededRandom } from './helpers/fuzz.ts';
import { digestOf, trivyReport } from './helpers/reports.ts';
import { imagebuilderClient, inspector2Client } from './helpers/server.ts';

const clients = Number(process.env.LOAD_CLIENTS ?? 16);
const rounds = 2;
const requestsPerClientPerRound = Number(process.env.LOAD_REQUESTS ?? 80);

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

for (const kind of databaseKinds) {
  describe(`load on ${kind.name}`, () => {
    it(`${clients} concurrent clients, both operations and ingestion: only throttling errors, flat memory`, async () => {
      const database = await kind.create();
      // Run as `npm start` and the container run it (a 4 MiB young generation): with V8's default, a
      // server on Node 24 was seen growing from 160 to 224 MiB between the two samples while V8 sized
      // its heap, which says nothing about a leak.
      const server = await startServeProcess(['--port', '0', '--db', database.location], { IMAGESCOPE_THROTTLE_RATE: '12', IMAGESCOPE_THROTTLE_BURST: '12', IMAGESCOPE_AGGREGATION_PAGE_SIZE: '20', NODE_OPTIONS: '--max-semi-space-size=4' });
      const errors = new Map<string, number>();
      let throttled = 0;
      let done = 0;
      const worker = async (w: number, round: number) => {
        const random = seededRandom(w * 1000 + round);
        const account = `10000000000${w % 4}`;
        const inspector = inspector2Client(server.url, account);
        const builder = imagebuilderClient(server.url, account);
        for (let i = 0; i < requestsPerClientPerRound; i++) {
          const roll = random();
          try {
            if (roll < 0.4) {
              await inspector.send(new GetClustersForImageCommand({ filter: { resourceId: `arn:aws:ecr:us-west-2:${account}:repository/app` }, maxResults: 1 + Math.floor(random() * 20) }));
            } else if (roll < 0.8) {
              const page = await builder.send(new ListImageScanFindingAggregationsCommand(random() < 0.5 ? {} : { filter: { name: 'vulnerabilityId' } }));
              if (page.nextToken) await builder.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' }, nextToken: page.nextToken }));
            } else {
              const n = Math.floor(random() * 50);
              const body = roll < 0.9 ? trivyReport(n, 200, `2026-11-${String(10 + (i % 18)).padStart(2, '0')}T00:00:00Z`) : jsonLines(Array.from({ length: 50 }, (_, t) => ecsTaskEvent({ cluster: `load-${n}`, task: `t${w}-${i}-${t}`, account })));
              const query = new URLSearchParams({ accountId: account, image: `${account}.dkr.ecr.us-west-2.amazonaws.com/app@${digestOf(n + 1)}` });
              const response = await fetch(`${server.url}/_imagescope/ingest?${query}`, { method: 'POST', body });
              if (response.status !== 200) throw Object.assign(new Error(await response.text()), { name: `ingest ${response.status}` });
            }
          } catch (error) {
            const name = (error as Error).name;
            if (name === 'ThrottlingException' || name === 'CallRateLimitExceededException') throttled++;
            else errors.set(`${name}: ${(error as Error).message.slice(0, 120)}`, (errors.get(name) ?? 0) + 1);
          }
          done++;
        }
      };
      try {
        const samples: number[] = [];
        for (let round = 0; round < rounds; round++) {
          await Promise.all(Array.from({ length: clients }, (_, w) => worker(w, round)));
          samples.push(rssMiB(server.child.pid!));
        }
        assert.deepEqual([...errors.entries()], [], 'no errors but throttling');
        assert.equal(done, clients * rounds * requestsPerClientPerRound);
        const [warm, end] = samples;
        assert.ok(end < warm + 64, `server RSS went from ${warm.toFixed(0)} MiB to ${end.toFixed(0)} MiB`);
        process.stdout.write(`# load ${kind.name}: ${done} requests, ${throttled} throttled, RSS ${samples.map((s) => s.toFixed(0)).join(' -> ')} MiB\n`);
      } finally {
        server.child.kill('SIGTERM');
        await exitOf(server.child);
        await database.drop();
      }
    });
  });
}
