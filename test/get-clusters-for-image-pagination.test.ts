// Paging GetClustersForImage with the real SDK paginator, and the sealed, bound, expiring nextToken.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetClustersForImageCommand, paginateGetClustersForImage } from '@aws-sdk/client-inspector2';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { ingestViaEndpoint, inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';

const resourceId = `arn:aws:ecr:us-west-2:111122223333:repository/app/sha256:${'a'.repeat(64)}`;
const clusterArn = (name: string) => `arn:aws:ecs:us-west-2:111122223333:cluster/${name}`;
const clusterNames = Array.from({ length: 23 }, (_, i) => `c${String(i * 2 + 10).padStart(3, '0')}`);

async function ingestClusters(server: TestServer, names: string[], status = 'RUNNING', version = 1): Promise<void> {
  const events = names.map((cluster) => ecsTaskEvent({ cluster, task: `t-${cluster}`, status, version }));
  const result = await ingestViaEndpoint(server.url, jsonLines(events));
  assert.equal(result.status, 200, JSON.stringify(result.body));
}

function validationError(error: unknown): { name: string; reason: string; fields: { name: string }[]; message: string } {
  return error as { name: string; reason: string; fields: { name: string }[]; message: string };
}

for (const kind of databaseKinds) {
  describe(`GetClustersForImage pagination on ${kind.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(kind, { now: Date.parse('2026-11-21T12:00:00Z') });
      await ingestClusters(server, clusterNames);
    });
    after(() => server.stop());

    it('pages through every cluster once, in order, at any page size', async () => {
      const client = inspector2Client(server.url);
      for (const pageSize of [1, 2, 5, 22, 23, 100]) {
        const seen: string[] = [];
        let pages = 0;
        for await (const page of paginateGetClustersForImage({ client, pageSize }, { filter: { resourceId } })) {
          pages++;
          assert.ok(page.cluster!.length <= pageSize);
          seen.push(...page.cluster!.map((c) => c.clusterArn!));
        }
        assert.deepEqual(seen, clusterNames.map(clusterArn), `page size ${pageSize}`);
        assert.equal(pages, Math.ceil(clusterNames.length / pageSize));
      }
    });

    it('defaults to 100 clusters a page and leaves nextToken off the last page', async () => {
      const out = await inspector2Client(server.url).send(new GetClustersForImageCommand({ filter: { resourceId } }));
      assert.equal(out.cluster!.length, clusterNames.length);
      assert.equal(out.nextToken, undefined);
    });

    it('never repeats or skips a cluster while ingestion goes on between pages', async () => {
      const client = inspector2Client(server.url);
      const seen: string[] = [];
      let page = 0;
      for await (const result of paginateGetClustersForImage({ client, pageSize: 4 }, { filter: { resourceId } })) {
        seen.push(...result.cluster!.map((c) => c.clusterArn!));
        page++;
        // New clusters before and after the cursor, and count changes on clusters already paged.
        await ingestClusters(server, [`a-new-${page}`, `z-new-${page}`]);
        await ingestClusters(server, [clusterNames[0], clusterNames[page]], 'STOPPED', 10 + page);
      }
      assert.equal(new Set(seen).size, seen.length, 'no cluster twice');
      for (const name of clusterNames) assert.ok(seen.includes(clusterArn(name)), `${name} was not skipped`);
      assert.deepEqual(seen, [...seen].sort(), 'in cluster ARN order');
    });

    describe('nextToken', () => {
      let token: string;
      let secondPage: string[];
      before(async () => {
        const client = inspector2Client(server.url);
        const first = await client.send(new GetClustersForImageCommand({ filter: { resourceId }, maxResults: 2 }));
        token = first.nextToken!;
        assert.ok(token);
        const second = await client.send(new GetClustersForImageCommand({ filter: { resourceId }, maxResults: 2, nextToken: token }));
        secondPage = second.cluster!.map((c) => c.clusterArn!);
        assert.equal(secondPage.length, 2);
      });

      const rejects = async (nextToken: string, expected: RegExp, client = inspector2Client(server.url), filter = { resourceId }) => {
        await assert.rejects(client.send(new GetClustersForImageCommand({ filter, nextToken })), (error) => {
          const e = validationError(error);
          assert.equal(e.name, 'ValidationException');
          assert.equal(e.reason, 'FIELD_VALIDATION_FAILED');
          assert.deepEqual(e.fields.map((f) => f.name), ['nextToken']);
          assert.match(e.message, expected);
          return true;
        });
      };

      it('is opaque and continues where the page ended', async () => {
        assert.ok(!token.includes('cluster'), 'the cursor is not readable');
        const next = await inspector2Client(server.url).send(new GetClustersForImageCommand({ filter: { resourceId }, maxResults: 2, nextToken: token }));
        assert.ok(next.cluster!.length > 0);
      });

      it('is rejected when altered', async () => {
        const body = token.slice(3);
        const flipped = body[10] === 'A' ? 'B' : 'A';
        await rejects(`v1.${body.slice(0, 10)}${flipped}${body.slice(11)}`, /not valid/);
        await rejects('garbage', /not valid/);
      });

      it('is rejected for another account, region or filter', async () => {
        await rejects(token, /different account/, inspector2Client(server.url, '222233334444'));
        await rejects(token, /different region/, inspector2Client(server.url, '111122223333', 'eu-west-1'));
        await rejects(token, /different filter/, inspector2Client(server.url), { resourceId: 'arn:aws:ecr:us-west-2:111122223333:repository/app' });
      });

      it('expires after 24 hours', async () => {
        const issuedAt = server.clock.now;
        server.clock.now = issuedAt + 24 * 60 * 60 * 1000 - 1000;
        await inspector2Client(server.url).send(new GetClustersForImageCommand({ filter: { resourceId }, nextToken: token }));
        server.clock.now = issuedAt + 24 * 60 * 60 * 1000 + 1000;
        await rejects(token, /expired/);
        server.clock.now = issuedAt;
      });

      it('survives a restart of the server', async () => {
        await server.close();
        const restarted = await startTestServer(kind, { now: server.clock.now, database: server.database });
        server = restarted;
        const next = await inspector2Client(server.url).send(new GetClustersForImageCommand({ filter: { resourceId }, maxResults: 2, nextToken: token }));
        assert.deepEqual(next.cluster!.map((c) => c.clusterArn), secondPage);
      });
    });
  });
}
