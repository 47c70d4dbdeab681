// Inspector2 ListFindingAggregations through the real JS SDK (and its paginator), boto3's paginator
// and the AWS CLI, over the real reports list-findings.test.ts reads (its header says what they hold:
// after alpine's second report, 22 open findings in three images).
// Every group of every type is checked against what ListFindings lists for the same grouping.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Inspector2Client, ListFindingAggregationsCommand, paginateListFindingAggregations, paginateListFindings,
  type AggregationRequest, type AggregationResponse, type AggregationType, type FilterCriteria, type ListFindingAggregationsCommandInput, type SeverityCounts,
} from '@aws-sdk/client-inspector2';
import { awsCli, awsCliMissing, boto3, boto3Missing } from './helpers/aws-clients.ts';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent } from './helpers/ecs-events.ts';
import { account, alpineDigest, alpineImage, alpineResource, ingestFindingFixtures } from './helpers/finding-fixtures.ts';
import { ingestViaEndpoint, inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';
import { signedFetch } from './helpers/sign.ts';

const text = (comparison: 'EQUALS' | 'PREFIX' | 'NOT_EQUALS', value: string) => ({ comparison, value });
const active = { findingStatus: [text('EQUALS', 'ACTIVE')] };

async function aggregations(client: Inspector2Client, input: ListFindingAggregationsCommandInput, pageSize = 2): Promise<AggregationResponse[]> {
  const out: AggregationResponse[] = [];
  for await (const page of paginateListFindingAggregations({ client, pageSize }, input)) out.push(...page.responses!);
  return out;
}

/**
 * What ListFindings lists for a grouping, counted as SeverityCounts, with its fixes and exploits.
 * The SDK and boto3 know the four counts of their model version (all, critical, high, medium); the
 * server sends the model's seven, checked on the wire below.
 */
async function listedCounts(client: Inspector2Client, filterCriteria: FilterCriteria) {
  const counts: Required<SeverityCounts> = { all: 0, critical: 0, high: 0, medium: 0 };
  let fixes = 0;
  let exploits = 0;
  for await (const page of paginateListFindings({ client, pageSize: 100 }, { filterCriteria: { ...filterCriteria, ...active } })) {
    for (const f of page.findings!) {
      counts.all++;
      const severity = f.severity!.toLowerCase();
      if (severity in counts) counts[severity as keyof SeverityCounts]++;
      if (f.fixAvailable === 'YES') fixes++;
      if (f.exploitAvailable === 'YES') exploits++;
    }
  }
  return { counts, fixes, exploits };
}

/** Each type, the ListFindings filter that lists one of its groups, and how many groups the data has. */
const groupings: [AggregationType, (r: any) => FilterCriteria, number][] = [
  ['AWS_ECR_CONTAINER', (r) => ({ resourceId: [text('EQUALS', r.awsEcrContainerAggregation.resourceId)] }), 3],
  ['CONTAINER_IMAGE', (r) => ({ ecrImageHash: [text('EQUALS', r.containerImageAggregation.imageDigest)], ecrImageRepositoryName: [text('EQUALS', r.containerImageAggregation.repository)] }), 3],
  ['REPOSITORY', (r) => ({ ecrImageRepositoryName: [text('EQUALS', r.repositoryAggregation.repository)] }), 3],
  ['PACKAGE', (r) => ({ vulnerablePackages: [{ name: text('EQUALS', r.packageAggregation.packageName) }] }), 0],
  ['TITLE', (r) => ({ title: [text('EQUALS', r.titleAggregation.title)] }), 22],
  ['ACCOUNT', (r) => ({ awsAccountId: [text('EQUALS', r.accountAggregation.accountId)] }), 1],
  ['FINDING_TYPE', (r) => ({ awsAccountId: [text('EQUALS', r.findingTypeAggregation.accountId)], findingType: [text('EQUALS', 'PACKAGE_VULNERABILITY')] }), 1],
  ['IMAGE_LAYER', (r) => ({ resourceId: [text('EQUALS', r.imageLayerAggregation.resourceId)], vulnerablePackages: [{ sourceLayerHash: text('EQUALS', r.imageLayerAggregation.layerHash) }] }), 0],
];

const groupOf = (r: AggregationResponse): any => Object.values(r).find((v) => v !== undefined);

for (const kind of databaseKinds) {
  describe(`ListFindingAggregations on ${kind.name}`, () => {
    let server: TestServer;
    let client: Inspector2Client;

    before(async () => {
      server = await startTestServer(kind);
      client = inspector2Client(server.url, account);
      await ingestFindingFixtures(server.url);
    });
    after(() => server.stop());

    for (const [aggregationType, filterOf, groupCount] of groupings) {
      it(`${aggregationType}: every group's counts are what ListFindings lists for it`, async () => {
        const groups = await aggregations(client, { aggregationType });
        assert.ok(groups.length > 0);
        if (groupCount > 0) assert.equal(groups.length, groupCount);
        let total = 0;
        for (const response of groups) {
          const group = groupOf(response);
          const listed = await listedCounts(client, filterOf(response));
          assert.deepEqual(group.severityCounts, listed.counts, `${aggregationType} ${JSON.stringify(group)}`);
          total += group.severityCounts.all;
          if ('fixAvailableCount' in group) assert.deepEqual([group.fixAvailableCount, group.exploitAvailableCount], [listed.fixes, listed.exploits]);
          if ('fixAvailableActiveFindingsCount' in group) assert.deepEqual([group.fixAvailableActiveFindingsCount, group.exploitAvailableActiveFindingsCount], [listed.fixes, listed.exploits]);
        }
        // Every open finding is in one group, but for layers: Grype names none for some packages.
        if (aggregationType !== 'IMAGE_LAYER') assert.equal(total, 22);
      });
    }

    it('counts the account as ListFindings does: 22 open, 7 with a fix, 1 exploited', async () => {
      const [only] = await aggregations(client, { aggregationType: 'ACCOUNT' });
      assert.deepEqual(only!.accountAggregation, { accountId: account, severityCounts: { all: 22, critical: 3, high: 10, medium: 6 }, fixAvailableCount: 7, exploitAvailableCount: 1 });
      const wire = await signedFetch(server.url, '/findings/aggregation/list', JSON.stringify({ aggregationType: 'ACCOUNT' }), { accessKeyId: account, secretAccessKey: 'any-secret', service: 'inspector2' });
      assert.deepEqual(((await wire.json()) as any).responses[0].accountAggregation.severityCounts, { all: 22, critical: 3, high: 10, medium: 6, low: 3, informational: 0, untriaged: 0 });
      const [type] = await aggregations(client, { aggregationType: 'FINDING_TYPE', aggregationRequest: { findingTypeAggregation: { findingType: 'PACKAGE_VULNERABILITY', resourceType: 'AWS_ECR_CONTAINER_IMAGE' } } });
      assert.deepEqual(type!.findingTypeAggregation!.severityCounts, only!.accountAggregation!.severityCounts);
      assert.deepEqual(await aggregations(client, { aggregationType: 'ACCOUNT', aggregationRequest: { accountAggregation: { findingType: 'CODE_VULNERABILITY' } } }), []);
      assert.deepEqual(await aggregations(client, { aggregationType: 'TITLE', aggregationRequest: { titleAggregation: { resourceType: 'AWS_LAMBDA_FUNCTION' } } }), []);
    });

    it('describes an image as Inspector2 does, and follows the tasks that run it', async () => {
      const image = async () => (await aggregations(client, { aggregationType: 'AWS_ECR_CONTAINER', aggregationRequest: { awsEcrContainerAggregation: { resourceIds: [text('EQUALS', alpineResource)] } } }))[0]!.awsEcrContainerAggregation!;
      assert.deepEqual({ ...(await image()), severityCounts: undefined }, { resourceId: alpineResource, imageSha: alpineDigest, repository: 'alpine', imageTags: [], accountId: account, severityCounts: undefined, inUseCount: 0 });
      const runningNow: ListFindingAggregationsCommandInput = { aggregationType: 'AWS_ECR_CONTAINER', aggregationRequest: { awsEcrContainerAggregation: { inUseCount: [{ lowerInclusive: 1 }], sortBy: 'CRITICAL', sortOrder: 'DESC' } } };
      assert.deepEqual(await aggregations(client, runningNow), [], 'nothing runs yet');
      const started = '2026-11-21T10:00:00Z';
      for (const task of ['t1', 't2']) await ingestViaEndpoint(server.url, JSON.stringify(ecsTaskEvent({ cluster: 'prod', task, image: alpineImage.split('@')[0], digest: alpineDigest, time: started })));
      const running = await image();
      assert.deepEqual([running.inUseCount, running.lastInUseAt!.toISOString()], [2, new Date(started).toISOString()]);
      assert.deepEqual((await aggregations(client, runningNow)).map((r) => r.awsEcrContainerAggregation!.resourceId), [alpineResource], 'the critical images that run now, in one call');
      await ingestViaEndpoint(server.url, JSON.stringify(ecsTaskEvent({ cluster: 'prod', task: 't1', image: alpineImage.split('@')[0], digest: alpineDigest, status: 'STOPPED', version: 2, time: '2026-11-21T11:00:00Z' })));
      assert.equal((await image()).inUseCount, 1);
      // Two pods of it in an EKS cluster, then the next list without one of them.
      const pods = (names: string[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items: names.map((name) => ({
        apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'web', uid: name, resourceVersion: '1' },
        status: { phase: 'Running', containerStatuses: [{ name: 'main', image: alpineImage.split('@')[0], imageID: alpineImage, state: { running: {} } }] },
      })) });
      const cluster = { clusterArn: `arn:aws:eks:us-west-2:${account}:cluster/apps` };
      await ingestViaEndpoint(server.url, pods(['p1', 'p2']), cluster);
      assert.equal((await image()).inUseCount, 3, 'a task and two pods');
      await ingestViaEndpoint(server.url, pods(['p1']), cluster);
      assert.equal((await image()).inUseCount, 2, 'a pod gone from the list stopped');
      const twin = (await aggregations(client, { aggregationType: 'CONTAINER_IMAGE', aggregationRequest: { containerImageAggregation: { imageDigests: [text('EQUALS', alpineDigest)] } } }))[0]!.containerImageAggregation!;
      assert.deepEqual([twin.resourceId, twin.repository, twin.registry, twin.cloudProvider, twin.cloudRegion, twin.cloudPartition, twin.inUseCount], [alpineResource, 'alpine', account, 'AWS', 'us-west-2', 'aws', 2]);
      const last = (await image()).lastInUseAt!.getTime();
      const around = (from: number, to: number) => ({ aggregationType: 'AWS_ECR_CONTAINER' as const, aggregationRequest: { awsEcrContainerAggregation: { lastInUseAt: [{ startInclusive: new Date(from), endInclusive: new Date(to) }] } } });
      assert.equal((await aggregations(client, around(last - 1000, last + 1000))).length, 1, 'lastInUseAt in the window');
      assert.equal((await aggregations(client, around(last + 1000, last + 60_000))).length, 0, 'lastInUseAt before the window');
      assert.equal((await aggregations(client, { aggregationType: 'AWS_ECR_CONTAINER', aggregationRequest: { awsEcrContainerAggregation: { architectures: [text('EQUALS', 'amd64')] } } })).length, 0, 'reports name no architecture');
    });

    it('sorts by the count asked, worst first unless ASC, ties by key', async () => {
      const counts = async (aggregationType: AggregationType, request: AggregationRequest | undefined, sortKey: keyof SeverityCounts | 'affectedImages') =>
        (await aggregations(client, { aggregationType, aggregationRequest: request })).map((r) => { const g = groupOf(r); return sortKey === 'affectedImages' ? g.affectedImages : g.severityCounts[sortKey]; });
      const descending = (values: number[]) => values.every((v, i) => i === 0 || values[i - 1]! >= v);
      const ascending = (values: number[]) => values.every((v, i) => i === 0 || values[i - 1]! <= v);
      assert.ok(descending(await counts('TITLE', undefined, 'critical')), 'default: CRITICAL, DESC');
      assert.ok(descending(await counts('PACKAGE', { packageAggregation: { sortBy: 'HIGH' } }, 'high')));
      assert.ok(ascending(await counts('PACKAGE', { packageAggregation: { sortBy: 'ALL', sortOrder: 'ASC' } }, 'all')));
      assert.ok(descending(await counts('REPOSITORY', { repositoryAggregation: { sortBy: 'AFFECTED_IMAGES' } }, 'affectedImages')));
      const [busybox] = await aggregations(client, { aggregationType: 'REPOSITORY', aggregationRequest: { repositoryAggregation: { sortBy: 'HIGH' } } });
      assert.deepEqual([busybox!.repositoryAggregation!.severityCounts!.high, busybox!.repositoryAggregation!.affectedImages], [10, 1]);
    });

    it('filters each type by its own members', async () => {
      const titles = await aggregations(client, { aggregationType: 'TITLE', aggregationRequest: { titleAggregation: { vulnerabilityIds: [text('PREFIX', 'CVE-2019-15')] } } });
      assert.deepEqual(titles.map((t) => t.titleAggregation!.title).sort(), ['CVE-2019-1549 - libcrypto1.1', 'CVE-2019-1549 - libssl1.1', 'CVE-2019-1551 - libcrypto1.1', 'CVE-2019-1551 - libssl1.1']);
      const packages = await aggregations(client, { aggregationType: 'PACKAGE', aggregationRequest: { packageAggregation: { packageNames: [text('PREFIX', 'lib'), text('NOT_EQUALS', 'libssl1.1')] } } });
      assert.ok(packages.some((p) => p.packageAggregation!.packageName === 'libcrypto1.1'));
      assert.ok(packages.every((p) => p.packageAggregation!.packageName!.startsWith('lib') && p.packageAggregation!.packageName !== 'libssl1.1'));
      const layers = await aggregations(client, { aggregationType: 'IMAGE_LAYER', aggregationRequest: { imageLayerAggregation: { repositories: [text('EQUALS', 'alpine')] } } });
      assert.deepEqual(layers.map((l) => [l.imageLayerAggregation!.layerHash, l.imageLayerAggregation!.severityCounts!.all]), [['sha256:e7c96db7181be991f19a9fb6975cdbbd73c65f4a2681348e63a141a2192a5f10', 5]]);
      assert.deepEqual(await aggregations(client, { aggregationType: 'REPOSITORY', accountIds: [text('EQUALS', '444455556666')] }), [], 'another account matches nothing');
      assert.equal((await aggregations(client, { aggregationType: 'REPOSITORY', accountIds: [text('EQUALS', account)] })).length, 3);
    });

    it('gives full pages and binds the token to the type and the request', async () => {
      const sizes: number[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListFindingAggregationsCommand({ aggregationType: 'TITLE', maxResults: 5, nextToken: token }));
        sizes.push(page.responses!.length);
        token = page.nextToken;
      } while (token);
      assert.deepEqual(sizes, [5, 5, 5, 5, 2]);
      const exact = await client.send(new ListFindingAggregationsCommand({ aggregationType: 'TITLE', maxResults: 22 }));
      assert.equal(exact.nextToken, undefined, 'a page that ends the listing has no token');
      const first = await client.send(new ListFindingAggregationsCommand({ aggregationType: 'PACKAGE', maxResults: 1 }));
      await assert.rejects(client.send(new ListFindingAggregationsCommand({ aggregationType: 'TITLE', maxResults: 1, nextToken: first.nextToken })), { name: 'ValidationException' });
      await assert.rejects(client.send(new ListFindingAggregationsCommand({ aggregationType: 'PACKAGE', maxResults: 1, nextToken: first.nextToken, aggregationRequest: { packageAggregation: { sortBy: 'HIGH' } } })), { name: 'ValidationException' });
      await assert.rejects(inspector2Client(server.url, '444455556666').send(new ListFindingAggregationsCommand({ aggregationType: 'PACKAGE', nextToken: first.nextToken })), (e: any) => e.name === 'ValidationException' && /different account/.test(e.message));
    });

    it('refuses what the model or the type forbids, with ValidationException', async () => {
      for (const input of [
        { aggregationType: 'TITLE', maxResults: 0 },
        { aggregationType: 'TITLE', maxResults: 101 },
        { aggregationType: 'NOT_A_TYPE' },
        { aggregationType: 'TITLE', aggregationRequest: { packageAggregation: {} } },
        { aggregationType: 'AMI', aggregationRequest: { titleAggregation: {} } },
        { aggregationType: 'REPOSITORY', aggregationRequest: { repositoryAggregation: { sortBy: 'NOT_A_KEY' } } },
      ]) {
        await assert.rejects(client.send(new ListFindingAggregationsCommand(input as ListFindingAggregationsCommandInput)), { name: 'ValidationException' }, JSON.stringify(input));
      }
    });

    it('answers the types about other resources with an empty list, and no other account with data', async () => {
      for (const aggregationType of ['AMI', 'AWS_EC2_INSTANCE', 'AWS_LAMBDA_FUNCTION', 'LAMBDA_LAYER', 'CODE_REPOSITORY', 'VM_INSTANCE', 'SERVERLESS_FUNCTION'] as const) {
        const page = await client.send(new ListFindingAggregationsCommand({ aggregationType }));
        assert.deepEqual([page.aggregationType, page.responses, page.nextToken], [aggregationType, [], undefined]);
      }
      const stranger = inspector2Client(server.url, '444455556666');
      for (const [aggregationType] of groupings) assert.deepEqual(await aggregations(stranger, { aggregationType }), [], aggregationType);
    });

    it('answers boto3 and the AWS CLI', { skip: boto3Missing || awsCliMissing }, async () => {
      const viaBoto3 = await boto3([
        'paginator = inspector2.get_paginator("list_finding_aggregations")',
        'result = [r["titleAggregation"]["title"] for page in paginator.paginate(aggregationType="TITLE", aggregationRequest={"titleAggregation": {"sortBy": "HIGH"}}, PaginationConfig={"PageSize": 3}) for r in page["responses"]]',
      ].join('\n'), server.url);
      const expected = (await aggregations(client, { aggregationType: 'TITLE', aggregationRequest: { titleAggregation: { sortBy: 'HIGH' } } })).map((r) => r.titleAggregation!.title);
      assert.deepEqual(viaBoto3, expected);
      const viaCli = await awsCli(['inspector2', 'list-finding-aggregations', '--aggregation-type', 'REPOSITORY', '--page-size', '1'], server.url);
      assert.equal(viaCli.responses.length, 3, 'the CLI follows every page');
    });
  });
}
