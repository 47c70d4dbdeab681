// Kept answers (src/protocol/answer-cache.ts): a ListImageScanFindingAggregations answer served again
// is exactly the one the operation would give now. A commit by another process (the CLI writing the
// same SQLite file) is seen on the very next request; accounts and regions never share an answer; a
// kept answer carries the id of the request it answers; a kept first page's nextToken continues.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand, paginateListImageScanFindingAggregations } from '@aws-sdk/client-imagebuilder';
import { runCli } from './helpers/cli.ts';
import { databaseKinds } from './helpers/databases.ts';
import { trivyReport } from './helpers/reports.ts';
import { imagebuilderClient, postRaw, startTestServer, type TestServer } from './helpers/server.ts';
import { tempDir } from './helpers/temp.ts';

const account = '111122223333';
const other = '444455556666';

async function accountCounts(server: TestServer, accountId = account, region = 'us-west-2') {
  const out = await imagebuilderClient(server.url, accountId, region).send(new ListImageScanFindingAggregationsCommand({}));
  return out.responses![0].accountAggregation!.severityCounts!;
}

async function everyVulnerability(server: TestServer): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListImageScanFindingAggregations({ client: imagebuilderClient(server.url) }, { filter: { name: 'vulnerabilityId' } })) {
    keys.push(...page.responses!.map((r) => r.vulnerabilityIdAggregation!.vulnerabilityId!));
  }
  return keys;
}

for (const kind of databaseKinds) {
  describe(`kept ListImageScanFindingAggregations answers on ${kind.name}`, () => {
    let server: TestServer;
    let dir: Awaited<ReturnType<typeof tempDir>>;
    const ingestFromCli = async (seed: number, findings: number) => {
      const file = `${dir.path}/report-${seed}.json`;
      await writeFile(file, trivyReport(seed, findings, '2026-11-20T00:00:00Z', `${account}.dkr.ecr.us-west-2.amazonaws.com/app@sha256:${String(seed).padStart(64, '0')}`));
      const result = await runCli(['ingest', '--db', server.database.location, '--account-id', account, file]);
      assert.equal(result.code, 0, result.stderr);
    };

    before(async () => {
      dir = await tempDir();
      server = await startTestServer(kind, { env: { IMAGESCOPE_AGGREGATION_PAGE_SIZE: '7' } });
      await ingestFromCli(1, 40);
    });
    after(async () => {
      await server.stop();
      await dir.remove();
    });

    it('answers a repeated request with its own request id, in the header and the body', async () => {
      const send = () => postRaw(server.url, '/ListImageScanFindingAggregations', '{}', { authorization: `AWS4-HMAC-SHA256 Credential=${account}/20261130/us-west-2/imagebuilder/aws4_request, SignedHeaders=host, Signature=0` });
      const [first, second] = [await send(), await send()];
      assert.equal(first.status, 200);
      assert.notEqual(first.json.requestId, second.json.requestId);
      assert.equal(second.json.requestId, second.headers.get('x-amzn-requestid'));
      assert.deepEqual({ ...second.json, requestId: undefined }, { ...first.json, requestId: undefined });
    });

    it('sees an ingest by another process on the very next request', async () => {
      const before = await accountCounts(server);
      assert.deepEqual(await accountCounts(server), before);
      await ingestFromCli(2, 25);
      const afterIngest = await accountCounts(server);
      assert.equal(afterIngest.all, before.all! + 25);
    });

    it('never gives one account or region the answer kept for another', async () => {
      const mine = await accountCounts(server);
      assert.ok(mine.all! > 0);
      assert.deepEqual(await accountCounts(server, other), { all: 0, critical: 0, high: 0, medium: 0 });
      assert.deepEqual(await accountCounts(server), mine);
      // The nextToken of a kept page is bound to the region it was issued in.
      const first = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' } }));
      assert.ok(first.nextToken);
      await assert.rejects(
        imagebuilderClient(server.url, account, 'eu-west-1').send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' }, nextToken: first.nextToken })),
        (error: Error) => error.name === 'InvalidPaginationTokenException',
      );
    });

    it('never serves a kept answer whose token the request clock has aged past a minute', async () => {
      const clocked = await startTestServer(kind, { database: server.database, now: Date.now(), env: { IMAGESCOPE_AGGREGATION_PAGE_SIZE: '7' } });
      try {
        const client = imagebuilderClient(clocked.url);
        const first = await client.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' } }));
        clocked.clock.now += 23 * 60 * 60 * 1000;
        const later = await client.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' } }));
        assert.notEqual(later.nextToken, first.nextToken, 'sealed anew');
        clocked.clock.now += 2 * 60 * 60 * 1000;
        // 25 hours after the first answer: its token has expired, the later one's has not.
        const next = await client.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' }, nextToken: later.nextToken }));
        assert.ok(next.responses!.length > 0);
      } finally {
        await clocked.close();
      }
    });

    it('continues from a kept first page with no key repeated or skipped, across an ingest', async () => {
      const all = await everyVulnerability(server);
      assert.ok(all.length > 14, 'several pages');
      // The first page is now kept: a sequence that starts from it reads the same keys.
      const client = imagebuilderClient(server.url);
      const first = await client.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' } }));
      await ingestFromCli(3, 30);
      const keys = first.responses!.map((r) => r.vulnerabilityIdAggregation!.vulnerabilityId!);
      for (let token = first.nextToken; token; ) {
        const page = await client.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' }, nextToken: token }));
        keys.push(...page.responses!.map((r) => r.vulnerabilityIdAggregation!.vulnerabilityId!));
        token = page.nextToken;
      }
      assert.deepEqual(keys, all);
    });
  });
}
