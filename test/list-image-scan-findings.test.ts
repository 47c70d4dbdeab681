// Image Builder ListImageScanFindings through the real @aws-sdk/client-imagebuilder (and its
// paginator), boto3 and the AWS CLI: the ACTIVE findings that ListImageScanFindingAggregations counts,
// so that for every filter name the findings listed add up to the aggregation's counts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ListImageScanFindingAggregationsCommand,
  ListImageScanFindingsCommand,
  paginateListImageScanFindingAggregations,
  paginateListImageScanFindings,
  type ImageScanFinding,
  type ImageScanFindingsFilter,
} from '@aws-sdk/client-imagebuilder';
import { awsCli, awsCliMissing, boto3, boto3Missing } from './helpers/aws-clients.ts';
import { databaseKinds } from './helpers/databases.ts';
import { account, build, ingestImageBuilderReports, pipeline } from './helpers/image-builder-reports.ts';
import { imagebuilderClient, startTestServer, type TestServer } from './helpers/server.ts';


type Counts = { all: number; critical: number; high: number; medium: number };
const countsOf = (findings: ImageScanFinding[]): Counts => ({
  all: findings.length,
  critical: findings.filter((f) => f.severity === 'CRITICAL').length,
  high: findings.filter((f) => f.severity === 'HIGH').length,
  medium: findings.filter((f) => f.severity === 'MEDIUM').length,
});

for (const kind of databaseKinds) {
  describe(`ListImageScanFindings on ${kind.name}`, () => {
    let server: TestServer;
    const findings = async (filters?: ImageScanFindingsFilter[], pageSize = 25) => {
      const all: ImageScanFinding[] = [];
      for await (const page of paginateListImageScanFindings({ client: imagebuilderClient(server.url), pageSize }, { filters })) all.push(...page.findings!);
      return all;
    };
    const aggregations = async (name: string, values?: string[]) => {
      const rows: { key: string; counts: Counts }[] = [];
      for await (const page of paginateListImageScanFindingAggregations({ client: imagebuilderClient(server.url) }, { filter: { name, values } })) {
        for (const response of page.responses!) {
          const [member] = Object.values(response) as { severityCounts: Counts }[];
          const key = Object.entries(member).find(([n]) => n !== 'severityCounts')![1] as unknown as string;
          rows.push({ key, counts: member.severityCounts });
        }
      }
      return rows;
    };

    before(async () => {
      server = await startTestServer(kind);
      await ingestImageBuilderReports(server);
    });
    after(() => server.stop());

    it('adds up to the aggregations for every filter name', async () => {
      const [account_] = await aggregations('accountId');
      assert.deepEqual(countsOf(await findings()), account_!.counts, 'no filter: the account');
      for (const name of ['imagePipelineArn', 'imageBuildVersionArn', 'vulnerabilityId']) {
        const rows = await aggregations(name);
        assert.ok(rows.length >= 2, `${name}: several keys`);
        for (const row of rows) assert.deepEqual(countsOf(await findings([{ name, values: [row.key] }])), row.counts, `${name} ${row.key}`);
      }
      for (const severity of ['CRITICAL', 'HIGH', 'MEDIUM']) {
        assert.equal((await findings([{ name: 'severity', values: [severity] }])).length, account_!.counts[severity.toLowerCase() as 'critical'], severity);
      }
    });

    it('lists each finding in the ImageScanFinding shape, with its pipeline and build version', async () => {
      const [musl] = (await findings([{ name: 'vulnerabilityId', values: ['CVE-2019-14697'] }])).filter((f) => f.packageVulnerabilityDetails!.vulnerablePackages![0]!.name === 'musl');
      assert.deepEqual([musl!.awsAccountId, musl!.imagePipelineArn, musl!.imageBuildVersionArn, musl!.type, musl!.title, musl!.severity, musl!.fixAvailable, musl!.inspectorScore], [account, pipeline('web'), build('1.0.0/1'), 'PACKAGE_VULNERABILITY', 'CVE-2019-14697 - musl', 'CRITICAL', 'YES', 9.8]);
      assert.deepEqual(musl!.remediation, { recommendation: { text: 'Upgrade musl to 1.1.20-r5' } });
      assert.equal(musl!.packageVulnerabilityDetails!.source, 'alpine');
      assert.ok(musl!.firstObservedAt instanceof Date && musl!.updatedAt instanceof Date);
    });

    it('gives full pages and refuses what Image Builder refuses', async () => {
      const client = imagebuilderClient(server.url);
      const sizes: number[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListImageScanFindingsCommand({ maxResults: 7, nextToken: token }));
        sizes.push(page.findings!.length);
        assert.equal(page.requestId, page.$metadata.requestId);
        token = page.nextToken;
      } while (token);
      const total = (await findings()).length;
      assert.deepEqual(sizes, [...Array(Math.floor(total / 7)).fill(7), ...(total % 7 ? [total % 7] : [])]);
      await assert.rejects(client.send(new ListImageScanFindingsCommand({ filters: [{ name: 'accountId', values: [account] }] })), (e: any) => e.name === 'InvalidRequestException' && /accountId/.test(e.message));
      await assert.rejects(client.send(new ListImageScanFindingsCommand({ filters: [{ name: 'severity', values: ['HIGH'] }, { name: 'severity', values: ['LOW'] }] })), { name: 'InvalidRequestException' });
      await assert.rejects(client.send(new ListImageScanFindingsCommand({ filters: [{ name: 'severity', values: ['HIGH', 'LOW'] }] })), { name: 'InvalidRequestException' });
      await assert.rejects(client.send(new ListImageScanFindingsCommand({ maxResults: 26 })), (e: any) => e.name === 'InvalidRequestException' && /maxResults/.test(e.message));
      await assert.rejects(client.send(new ListImageScanFindingsCommand({ nextToken: 'made-up' })), { name: 'InvalidPaginationTokenException' });
      const first = await client.send(new ListImageScanFindingsCommand({ maxResults: 1, filters: [{ name: 'severity', values: ['HIGH'] }] }));
      await assert.rejects(client.send(new ListImageScanFindingsCommand({ maxResults: 1, nextToken: first.nextToken, filters: [{ name: 'severity', values: ['LOW'] }] })), { name: 'InvalidPaginationTokenException' });
      const aggregationToken = (await client.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' } }))).nextToken;
      if (aggregationToken) await assert.rejects(client.send(new ListImageScanFindingsCommand({ nextToken: aggregationToken })), { name: 'InvalidPaginationTokenException' });
      assert.deepEqual((await imagebuilderClient(server.url, '444455556666').send(new ListImageScanFindingsCommand({}))).findings, [], 'another account sees none of them');
    });

    it('answers boto3 and the AWS CLI', { skip: boto3Missing || awsCliMissing }, async () => {
      const expected = (await findings([{ name: 'imagePipelineArn', values: [pipeline('web')] }])).map((f) => f.title);
      const viaBoto3 = await boto3(`result = [f["title"] for page in imagebuilder.get_paginator("list_image_scan_findings").paginate(filters=[{"name": "imagePipelineArn", "values": [${JSON.stringify(pipeline('web'))}]}], PaginationConfig={"PageSize": 4}) for f in page["findings"]]`, server.url);
      assert.deepEqual(viaBoto3, expected);
      const viaCli = await awsCli(['imagebuilder', 'list-image-scan-findings', '--filters', `name=severity,values=CRITICAL`], server.url);
      assert.deepEqual(viaCli.findings.map((f: any) => f.severity), Array(viaCli.findings.length).fill('CRITICAL'));
      assert.ok(viaCli.findings.length > 0);
    });
  });
}
