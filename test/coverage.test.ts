// Inspector2 ListCoverage and ListCoverageStatistics through the real JS SDK (and its paginators),
// boto3 and the AWS CLI, following one image through its life on a held clock: it starts running
// unscanned, its report arrives, its scan grows stale, it stops and ages out.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Inspector2Client, ListCoverageCommand, ListCoverageStatisticsCommand, paginateListCoverage, paginateListCoverageStatistics,
  type CoverageFilterCriteria, type CoveredResource, type GroupKey,
} from '@aws-sdk/client-inspector2';
import { awsCli, awsCliMissing, boto3, boto3Missing } from './helpers/aws-clients.ts';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent } from './helpers/ecs-events.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';
import { ingestViaEndpoint, inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';

const account = '111122223333';
const day = 86_400_000;
const start = Date.parse('2026-11-21T12:00:00Z');
const digest = `sha256:${'c'.repeat(64)}`;
const repository = `arn:aws:ecr:us-west-2:${account}:repository/shop`;
const image = `${repository}/${digest}`;
const reference = `${account}.dkr.ecr.us-west-2.amazonaws.com/shop`;
const text = (comparison: 'EQUALS' | 'NOT_EQUALS', value: string) => ({ comparison, value });

/** alpine-39.json as the report of the shop image, scanned at `at`. */
function shopReport(at: number): string {
  const report = JSON.parse(readFixture(sharedFixture('trivy/alpine-39.json')));
  report.CreatedAt = new Date(at).toISOString();
  return JSON.stringify(report);
}

async function covered(client: Inspector2Client, filterCriteria?: CoverageFilterCriteria, pageSize = 2): Promise<CoveredResource[]> {
  const out: CoveredResource[] = [];
  for await (const page of paginateListCoverage({ client, pageSize }, { filterCriteria })) out.push(...page.coveredResources!);
  return out;
}

async function statistics(client: Inspector2Client, groupBy?: GroupKey, filterCriteria?: CoverageFilterCriteria) {
  const groups = new Map<string, number>();
  let total = -1;
  for await (const page of paginateListCoverageStatistics({ client }, { groupBy, filterCriteria })) {
    total = page.totalCounts!;
    for (const g of page.countsByGroup ?? []) groups.set(g.groupKey!, g.count!);
  }
  return { total, groups };
}

const statusOf = async (client: Inspector2Client, resourceId: string) => {
  const [found] = await covered(client, { resourceId: [text('EQUALS', resourceId)] });
  return found && [found.scanStatus!.statusCode, found.scanStatus!.reason];
};

for (const kind of databaseKinds) {
  describe(`coverage on ${kind.name}`, () => {
    let server: TestServer;
    let client: Inspector2Client;
    before(async () => {
      server = await startTestServer(kind, { now: start });
      client = inspector2Client(server.url, account);
      // Images scanned long ago and never run: busybox (Grype, 2025-06-19).
      assert.equal((await ingestViaEndpoint(server.url, readFixture(sharedFixture('grype/many_vulns.json')))).status, 200);
    });
    after(() => server.stop());

    it('follows an image from running unscanned to scanned, stale, stopped and aged out', async () => {
      const event = (task: string, status: string, at: number, version = 1) => JSON.stringify(ecsTaskEvent({ cluster: 'prod', task, image: `${reference}:2.0`, digest, status, version, time: new Date(at).toISOString() }));
      await ingestViaEndpoint(server.url, event('t1', 'RUNNING', start - 3_600_000));
      assert.deepEqual(await statusOf(client, image), ['INACTIVE', 'PENDING_INITIAL_SCAN'], 'runs, never scanned');
      assert.deepEqual(await statusOf(client, repository), ['INACTIVE', 'PENDING_INITIAL_SCAN'], 'no image of the repository was scanned');
      const [pending] = await covered(client, { resourceId: [text('EQUALS', image)] });
      assert.deepEqual([pending!.resourceType, pending!.accountId, pending!.scanType, pending!.lastScannedAt, pending!.resourceMetadata!.ecrImage!.inUseCount, pending!.resourceMetadata!.ecrRepository!.name], ['AWS_ECR_CONTAINER_IMAGE', account, 'PACKAGE', undefined, 1, 'shop']);

      const scannedAt = start - 1_800_000;
      assert.equal((await ingestViaEndpoint(server.url, shopReport(scannedAt), { image: `${reference}@${digest}` })).status, 200);
      const [scanned] = await covered(client, { resourceId: [text('EQUALS', image)] });
      assert.deepEqual([scanned!.scanStatus!.statusCode, scanned!.scanStatus!.reason, scanned!.lastScannedAt!.getTime()], ['ACTIVE', 'SUCCESSFUL', scannedAt]);
      assert.deepEqual(await statusOf(client, repository), ['ACTIVE', 'SUCCESSFUL']);

      server.clock.now = start + 8 * day;
      assert.deepEqual(await statusOf(client, image), ['ACTIVE', 'STALE_INVENTORY'], 'the scan is older than the 7 days of freshness');
      // The same findings scanned again: a newer scan, though nothing else changed.
      assert.equal((await ingestViaEndpoint(server.url, shopReport(start + 8 * day - 60_000), { image: `${reference}@${digest}` })).status, 200);
      assert.deepEqual(await statusOf(client, image), ['ACTIVE', 'SUCCESSFUL'], 'a rescan with the same findings is current again');

      server.clock.now = start + 16 * day;
      assert.deepEqual(await statusOf(client, image), ['ACTIVE', 'STALE_INVENTORY'], 'still running: never expires');
      await ingestViaEndpoint(server.url, event('t1', 'STOPPED', start + 16 * day, 2));
      assert.deepEqual(await statusOf(client, image), ['ACTIVE', 'STALE_INVENTORY']);
      server.clock.now = start + 31 * day;
      assert.deepEqual(await statusOf(client, image), ['INACTIVE', 'SCAN_ELIGIBILITY_EXPIRED'], 'neither run nor scanned for the 14 days of retention');
      server.clock.now = start;
    });

    it('filters by every image and repository member, and matches nothing for other resources', async () => {
      server.clock.now = start + 8 * day;
      const ids = async (filterCriteria: CoverageFilterCriteria) => (await covered(client, filterCriteria)).map((r) => r.resourceId!).sort();
      const all = await ids({});
      assert.ok(all.length >= 4, 'two images and their repositories');
      assert.deepEqual(await ids({ resourceType: [text('EQUALS', 'AWS_ECR_REPOSITORY')] }), all.filter((id) => !id.includes('/sha256:')));
      assert.deepEqual(await ids({ ecrRepositoryName: [text('EQUALS', 'shop')] }), [repository, image]);
      assert.deepEqual(await ids({ ecrRepositoryName: [text('EQUALS', 'shop')], resourceType: [text('NOT_EQUALS', 'AWS_ECR_REPOSITORY')] }), [image]);
      assert.deepEqual(await ids({ scanStatusReason: [text('EQUALS', 'SUCCESSFUL')] }), [repository, image]);
      assert.ok((await ids({ scanStatusCode: [text('NOT_EQUALS', 'ACTIVE')] })).every((id) => !id.includes('/shop')));
      assert.deepEqual(await ids({ ecrImageInUseCount: [{ lowerInclusive: 1 }] }), [], 'nothing runs now');
      assert.deepEqual(await ids({ lastScannedAt: [{ startInclusive: new Date(start + 7 * day), endInclusive: new Date(start + 9 * day) }] }), [repository, image]);
      assert.deepEqual(await ids({ ecrImageTags: [text('EQUALS', '1.32.1')] }), all.filter((id) => id.includes('busybox/sha256:')));
      assert.deepEqual(await ids({ accountId: [text('EQUALS', '444455556666')] }), []);
      assert.deepEqual(await ids({ lambdaFunctionName: [text('NOT_EQUALS', 'f')] }), [], 'a member about Lambda matches nothing');
      server.clock.now = start;
    });

    it('adds the statistics up to the list, group by group', async () => {
      server.clock.now = start + 8 * day;
      const listed = await covered(client);
      for (const groupBy of ['SCAN_STATUS_CODE', 'SCAN_STATUS_REASON', 'ACCOUNT_ID', 'RESOURCE_TYPE', 'ECR_REPOSITORY_NAME'] as const) {
        const { total, groups } = await statistics(client, groupBy);
        assert.equal(total, listed.length, groupBy);
        assert.equal([...groups.values()].reduce((a, b) => a + b, 0), listed.length, `${groupBy}: the groups add up`);
      }
      const byReason = (await statistics(client, 'SCAN_STATUS_REASON')).groups;
      assert.equal(byReason.get('SUCCESSFUL'), listed.filter((r) => r.scanStatus!.reason === 'SUCCESSFUL').length);
      const filtered = await statistics(client, 'RESOURCE_TYPE', { ecrRepositoryName: [text('EQUALS', 'shop')] });
      assert.deepEqual([filtered.total, Object.fromEntries(filtered.groups)], [2, { AWS_ECR_CONTAINER_IMAGE: 1, AWS_ECR_REPOSITORY: 1 }]);
      const plain = await client.send(new ListCoverageStatisticsCommand({}));
      assert.deepEqual([plain.totalCounts, plain.countsByGroup, plain.nextToken], [listed.length, undefined, undefined]);
      server.clock.now = start;
    });

    it('gives full pages, binds the token to the filter, and shows no other account anything', async () => {
      const sizes: number[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListCoverageCommand({ maxResults: 1, nextToken: token }));
        sizes.push(page.coveredResources!.length);
        token = page.nextToken;
      } while (token);
      assert.deepEqual(sizes, Array(sizes.length).fill(1));
      assert.equal(sizes.length, (await covered(client)).length);
      const first = await client.send(new ListCoverageCommand({ maxResults: 1 }));
      await assert.rejects(client.send(new ListCoverageCommand({ maxResults: 1, nextToken: first.nextToken, filterCriteria: { resourceType: [text('EQUALS', 'AWS_ECR_REPOSITORY')] } })), { name: 'ValidationException' });
      await assert.rejects(inspector2Client(server.url, '444455556666').send(new ListCoverageCommand({ nextToken: first.nextToken })), (e: any) => e.name === 'ValidationException' && /different account/.test(e.message));
      await assert.rejects(client.send(new ListCoverageCommand({ maxResults: 201 })), { name: 'ValidationException' });
      await assert.rejects(client.send(new ListCoverageStatisticsCommand({ groupBy: 'NOT_A_KEY' as GroupKey })), { name: 'ValidationException' });
      const stranger = inspector2Client(server.url, '444455556666');
      assert.deepEqual(await covered(stranger), []);
      assert.deepEqual((await statistics(stranger, 'RESOURCE_TYPE')).total, 0);
    });

    it('answers boto3 and the AWS CLI', { skip: boto3Missing || awsCliMissing }, async () => {
      const viaBoto3 = await boto3([
        'resources = [r["resourceId"] for page in inspector2.get_paginator("list_coverage").paginate(PaginationConfig={"PageSize": 1}) for r in page["coveredResources"]]',
        'stats = [page["totalCounts"] for page in inspector2.get_paginator("list_coverage_statistics").paginate(groupBy="RESOURCE_TYPE")]',
        'result = [resources, stats]',
      ].join('\n'), server.url);
      const listed = (await covered(client)).map((r) => r.resourceId!);
      assert.deepEqual(viaBoto3, [listed, [listed.length]]);
      const viaCli = await awsCli(['inspector2', 'list-coverage', '--filter-criteria', JSON.stringify({ resourceType: [text('EQUALS', 'AWS_ECR_REPOSITORY')] }), '--page-size', '1'], server.url);
      assert.equal(viaCli.coveredResources.length, listed.filter((id) => !id.includes('/sha256:')).length, 'the CLI follows every page');
    });
  });
}
