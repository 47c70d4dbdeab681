// Inspector2 ListFindings through the real JS SDK (and its paginator), boto3's paginator and the AWS
// CLI, over real reports (../shared/fixtures). The expected counts were read from the fixture files
// by hand:
// - alpine (Trivy alpine-39.json, 6): CVE-2019-1549 and CVE-2019-1551 in libcrypto1.1 and libssl1.1
//   (MEDIUM), CVE-2019-14697 in musl and musl-utils (CRITICAL, score 9.8); every one has a fix; data
//   source alpine. A second report a day later no longer lists musl-utils: it is CLOSED.
// - busybox (Grype many_vulns.json, 15): 10 High, 1 Critical (CVE-2022-48174, 9.8), 2 Medium, 2 Low;
//   one fix (CVE-2021-42376); EPSS 0.0719 for CVE-2022-28391, below 0.01 for the rest; namespace
//   nvd:cpe (source nvd); scanned 2025-06-19; 11 of them are CVE-2021-*, 6 CVE-2021-4238*.
// - presenter (Grype presenter-image.json, 2, no scan time: the ingest's): CVE-1999-0001 Low (EPSS
//   0.03, a fix), CVE-1999-0002 Critical, known exploited (EPSS 0.08), no fix.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchGetFindingDetailsCommand, Inspector2Client, ListFindingsCommand, paginateListFindings, type Finding, type FilterCriteria, type ListFindingsCommandInput } from '@aws-sdk/client-inspector2';
import { awsCli, awsCliMissing, boto3, boto3Missing } from './helpers/aws-clients.ts';
import { databaseKinds } from './helpers/databases.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';
import { account, alpineDigest, alpineImage, alpineResource, firstAlpineReport, ingestFindingFixtures, secondAlpineReport } from './helpers/finding-fixtures.ts';
import { ingestViaEndpoint, inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';


async function all(client: Inspector2Client, input: ListFindingsCommandInput = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  for await (const page of paginateListFindings({ client, pageSize: 100 }, input)) findings.push(...page.findings!);
  return findings;
}

const idOf = (f: Finding) => f.findingArn!.slice(-32);
const text = (comparison: 'EQUALS' | 'PREFIX' | 'NOT_EQUALS', value: string) => ({ comparison, value });

/** Filter cases and the number of findings each matches. */
const cases: [string, FilterCriteria, number][] = [
  ['no filter: every status', {}, 23],
  ['findingStatus ACTIVE', { findingStatus: [text('EQUALS', 'ACTIVE')] }, 22],
  ['findingStatus CLOSED', { findingStatus: [text('EQUALS', 'CLOSED')] }, 1],
  ['severity CRITICAL', { severity: [text('EQUALS', 'CRITICAL')] }, 4],
  ['severity CRITICAL and status ACTIVE', { severity: [text('EQUALS', 'CRITICAL')], findingStatus: [text('EQUALS', 'ACTIVE')] }, 3],
  ['severity CRITICAL or LOW (EQUALS entries are OR\'d)', { severity: [text('EQUALS', 'CRITICAL'), text('EQUALS', 'LOW')] }, 7],
  ['severity NOT_EQUALS HIGH and NOT_EQUALS MEDIUM (AND\'d)', { severity: [text('NOT_EQUALS', 'HIGH'), text('NOT_EQUALS', 'MEDIUM')] }, 7],
  ['vulnerabilityId PREFIX', { vulnerabilityId: [text('PREFIX', 'CVE-2021-4238')] }, 6],
  ['vulnerabilityId EQUALS or EQUALS', { vulnerabilityId: [text('EQUALS', 'CVE-2019-1549'), text('EQUALS', 'CVE-1999-0001')] }, 3],
  ['vulnerabilityId PREFIX with two NOT_EQUALS', { vulnerabilityId: [text('PREFIX', 'CVE-2021'), text('NOT_EQUALS', 'CVE-2021-28831'), text('NOT_EQUALS', 'CVE-2021-42374')] }, 9],
  ['title PREFIX', { title: [text('PREFIX', 'CVE-2019-14697 - musl')] }, 2],
  ['resourceId', { resourceId: [text('EQUALS', alpineResource)] }, 6],
  ['ecrImageRepositoryName', { ecrImageRepositoryName: [text('EQUALS', 'alpine')] }, 6],
  ['cloudImageRepositoryName, the same', { cloudImageRepositoryName: [text('EQUALS', 'alpine')] }, 6],
  ['ecrImageHash', { ecrImageHash: [text('EQUALS', alpineDigest)] }, 6],
  ['repository and severity (fields AND\'d)', { ecrImageRepositoryName: [text('PREFIX', 'docker.io/library/busy')], severity: [text('EQUALS', 'HIGH')] }, 10],
  ['awsAccountId', { awsAccountId: [text('EQUALS', account)] }, 23],
  ['awsAccountId NOT_EQUALS', { awsAccountId: [text('NOT_EQUALS', account)] }, 0],
  ['vulnerablePackages name', { vulnerablePackages: [{ name: text('EQUALS', 'musl') }] }, 1],
  ['vulnerablePackages name PREFIX', { vulnerablePackages: [{ name: text('PREFIX', 'lib') }] }, 4],
  ['vulnerablePackages, two filters OR\'d', { vulnerablePackages: [{ name: text('EQUALS', 'musl') }, { name: text('EQUALS', 'musl-utils') }] }, 2],
  ['vulnerablePackages name and version', { vulnerablePackages: [{ name: text('EQUALS', 'libssl1.1'), version: text('EQUALS', '1.1.1b-r1') }] }, 2],
  ['vulnerablePackages epoch (reports give none)', { vulnerablePackages: [{ epoch: { lowerInclusive: 0 } }] }, 0],
  ['vulnerablePackages release NOT_EQUALS (none given passes)', { vulnerablePackages: [{ release: text('NOT_EQUALS', 'r1') }] }, 23],
  ['fixAvailable YES', { fixAvailable: [text('EQUALS', 'YES')] }, 8],
  ['exploitAvailable YES', { exploitAvailable: [text('EQUALS', 'YES')] }, 1],
  ['exploitAvailable NO', { exploitAvailable: [text('EQUALS', 'NO')] }, 22],
  ['vulnerabilitySource alpine', { vulnerabilitySource: [text('EQUALS', 'alpine')] }, 6],
  ['vulnerabilitySource nvd', { vulnerabilitySource: [text('EQUALS', 'nvd')] }, 15],
  ['inspectorScore >= 9', { inspectorScore: [{ lowerInclusive: 9 }] }, 3],
  ['epssScore >= 0.05', { epssScore: [{ lowerInclusive: 0.05 }] }, 2],
  ['firstObservedAt: the first alpine report, in epoch seconds with a fraction', { firstObservedAt: [{ startInclusive: new Date((firstAlpineReport - 0.5) * 1000), endInclusive: new Date((firstAlpineReport + 0.5) * 1000) }] }, 6],
  ['updatedAt from the second alpine report on', { updatedAt: [{ startInclusive: new Date(secondAlpineReport * 1000), endInclusive: new Date((secondAlpineReport + 1) * 1000) }] }, 1],
  ['lastObservedAt from the second alpine report on', { lastObservedAt: [{ startInclusive: new Date(secondAlpineReport * 1000), endInclusive: new Date((secondAlpineReport + 1) * 1000) }] }, 5],
  ['two date ranges OR\'d', { firstObservedAt: [{ endInclusive: new Date(firstAlpineReport * 1000) }, { startInclusive: new Date('2025-06-19T00:00:00Z'), endInclusive: new Date('2025-06-20T00:00:00Z') }] }, 21],
  ['a field about EC2 matches nothing', { ec2InstanceVpcId: [text('EQUALS', 'vpc-1')] }, 0],
  ['a field about Lambda matches nothing, NOT_EQUALS too', { lambdaFunctionName: [text('NOT_EQUALS', 'f')] }, 0],
];

for (const kind of databaseKinds) {
  describe(`ListFindings on ${kind.name}`, () => {
    let server: TestServer;
    let client: Inspector2Client;

    before(async () => {
      server = await startTestServer(kind);
      client = inspector2Client(server.url, account);
      await ingestFindingFixtures(server.url);
    });
    after(() => server.stop());

    for (const [name, filterCriteria, expected] of cases) {
      it(`filters: ${name}`, async () => {
        const found = await all(client, { filterCriteria });
        assert.equal(found.length, expected);
        assert.equal(new Set(found.map((f) => f.findingArn)).size, found.length, 'no finding twice');
      });
    }

    it('lists each finding as Inspector2 does, with its lifecycle', async () => {
      const [musl] = await all(client, { filterCriteria: { vulnerablePackages: [{ name: text('EQUALS', 'musl') }] } });
      assert.match(musl!.findingArn!, /^arn:aws:inspector2:us-west-2:111122223333:finding\/[a-f0-9]{32}$/);
      assert.equal(musl!.awsAccountId, account);
      assert.equal(musl!.type, 'PACKAGE_VULNERABILITY');
      assert.equal(musl!.title, 'CVE-2019-14697 - musl');
      assert.match(musl!.description!, /^musl libc through 1\.1\.23 has an x87 floating-point stack adjustment imbalance/);
      assert.deepEqual(musl!.remediation, { recommendation: { text: 'Upgrade musl to 1.1.20-r5' } });
      assert.deepEqual([musl!.severity, musl!.status, musl!.fixAvailable, musl!.exploitAvailable, musl!.inspectorScore], ['CRITICAL', 'ACTIVE', 'YES', 'NO', 9.8]);
      assert.deepEqual([musl!.firstObservedAt!.getTime() / 1000, musl!.lastObservedAt!.getTime() / 1000, musl!.updatedAt!.getTime() / 1000], [firstAlpineReport, secondAlpineReport, firstAlpineReport]);
      const resource = musl!.resources![0]!;
      assert.deepEqual([resource.type, resource.id, resource.partition, resource.region], ['AWS_ECR_CONTAINER_IMAGE', alpineResource, 'aws', 'us-west-2']);
      assert.deepEqual(resource.details!.awsEcrContainerImage, { repositoryName: 'alpine', imageHash: alpineDigest, registry: account, inUseCount: 0 });
      const details = musl!.packageVulnerabilityDetails!;
      assert.deepEqual([details.vulnerabilityId, details.source, details.sourceUrl], ['CVE-2019-14697', 'alpine', 'https://avd.aquasec.com/nvd/cve-2019-14697']);
      assert.deepEqual(details.vulnerablePackages, [{ name: 'musl', version: '1.1.20-r4', fixedInVersion: '1.1.20-r5', remediation: 'Upgrade musl to 1.1.20-r5', packageManager: 'OS', sourceLayerHash: 'sha256:e7c96db7181be991f19a9fb6975cdbbd73c65f4a2681348e63a141a2192a5f10' }]);
      assert.ok(details.cvss!.some((c) => c.baseScore === 9.8 && c.version === '3.0' && c.source === 'nvd'));
      const [closed] = await all(client, { filterCriteria: { findingStatus: [text('EQUALS', 'CLOSED')] } });
      assert.deepEqual([closed!.title, closed!.lastObservedAt!.getTime() / 1000, closed!.updatedAt!.getTime() / 1000], ['CVE-2019-14697 - musl-utils', firstAlpineReport, secondAlpineReport]);
      const [exploited] = await all(client, { filterCriteria: { exploitAvailable: [text('EQUALS', 'YES')] } });
      assert.deepEqual([exploited!.title, exploited!.epss], ['CVE-1999-0002 - package-2', { score: 0.08 }]);
    });

    it('sorts worst first by default and as asked, ties by finding id', async () => {
      const rank = (f: Finding) => ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'].indexOf(f.severity!);
      const ordered = (findings: Finding[], key: (f: Finding) => number | string, descending = false) => findings.every((f, i) => {
        if (i === 0) return true;
        const [a, b] = [key(findings[i - 1]!), key(f)];
        return a === b ? idOf(findings[i - 1]!) < idOf(f) : descending ? a > b : a < b;
      });
      assert.ok(ordered(await all(client), rank), 'default: worst first');
      assert.ok(ordered(await all(client, { sortCriteria: { field: 'SEVERITY', sortOrder: 'ASC' } }), rank, true), 'SEVERITY ASC: least severe first');
      assert.ok(ordered(await all(client, { sortCriteria: { field: 'INSPECTOR_SCORE', sortOrder: 'DESC' } }), (f) => f.inspectorScore ?? -1, true));
      assert.ok(ordered(await all(client, { sortCriteria: { field: 'FIRST_OBSERVED_AT', sortOrder: 'ASC' } }), (f) => f.firstObservedAt!.getTime()));
      assert.ok(ordered(await all(client, { sortCriteria: { field: 'VULNERABILITY_ID', sortOrder: 'ASC' } }), (f) => f.packageVulnerabilityDetails!.vulnerabilityId!));
      const byId = await all(client, { sortCriteria: { field: 'NETWORK_PROTOCOL', sortOrder: 'DESC' } });
      assert.ok(ordered(byId, () => 0), 'a field with no meaning for images: by finding id');
      assert.equal(byId.length, 23);
    });

    it('gives full pages, no token after the last, and binds the token to the filter and the sort', async () => {
      const sizes: number[] = [];
      const seen = new Set<string>();
      let token: string | undefined;
      do {
        const page = await client.send(new ListFindingsCommand({ maxResults: 5, nextToken: token }));
        sizes.push(page.findings!.length);
        for (const f of page.findings!) seen.add(f.findingArn!);
        token = page.nextToken;
      } while (token);
      assert.deepEqual(sizes, [5, 5, 5, 5, 3]);
      assert.equal(seen.size, 23);
      for (const sortCriteria of [undefined, { field: 'SEVERITY', sortOrder: 'ASC' }, { field: 'COMPONENT_TYPE', sortOrder: 'ASC' }, { field: 'LAST_OBSERVED_AT', sortOrder: 'DESC' }] as const) {
        // Two images of the three: read by their id ranges, page by page.
        const filterCriteria = { resourceType: [text('EQUALS', 'AWS_ECR_CONTAINER_IMAGE')], ecrImageRepositoryName: [text('NOT_EQUALS', 'docker.io/library/user-input')] };
        const walk: string[] = [];
        const pageSizes: number[] = [];
        let next: string | undefined;
        do {
          const page = await client.send(new ListFindingsCommand({ maxResults: 4, nextToken: next, filterCriteria, sortCriteria }));
          walk.push(...page.findings!.map(idOf));
          pageSizes.push(page.findings!.length);
          next = page.nextToken;
        } while (next);
        assert.deepEqual(pageSizes, [4, 4, 4, 4, 4, 1], `${sortCriteria?.field ?? 'default'}: full pages`);
        assert.deepEqual(walk, (await all(client, { filterCriteria, sortCriteria })).map(idOf), `${sortCriteria?.field ?? 'default'}: the pages are the one-page listing`);
      }
      const exact = await client.send(new ListFindingsCommand({ maxResults: 23 }));
      assert.equal(exact.nextToken, undefined, 'a page that ends the listing has no token');
      const first = await client.send(new ListFindingsCommand({ maxResults: 2, filterCriteria: { severity: [text('EQUALS', 'HIGH')] } }));
      await assert.rejects(client.send(new ListFindingsCommand({ maxResults: 2, nextToken: first.nextToken, filterCriteria: { severity: [text('EQUALS', 'LOW')] } })), (e: any) => e.name === 'ValidationException' && /different filter/.test(e.message));
      await assert.rejects(client.send(new ListFindingsCommand({ maxResults: 2, nextToken: first.nextToken, filterCriteria: { severity: [text('EQUALS', 'HIGH')] }, sortCriteria: { field: 'SEVERITY', sortOrder: 'ASC' } })), { name: 'ValidationException' });
      await assert.rejects(inspector2Client(server.url, '444455556666').send(new ListFindingsCommand({ nextToken: first.nextToken, filterCriteria: { severity: [text('EQUALS', 'HIGH')] } })), (e: any) => e.name === 'ValidationException' && /different account/.test(e.message));
      await assert.rejects(client.send(new ListFindingsCommand({ maxResults: 0 })), (e: any) => e.name === 'ValidationException' && /maxResults/.test(e.message));
      await assert.rejects(client.send(new ListFindingsCommand({ filterCriteria: { severity: Array.from({ length: 11 }, () => text('EQUALS', 'HIGH')) } })), { name: 'ValidationException' });
    });

    it('never repeats or skips a finding in a walk while ingests go on', async () => {
      const before = new Set((await all(client)).map((f) => f.findingArn!));
      const walked: string[] = [];
      let token: string | undefined;
      let round = 0;
      do {
        const page = await client.send(new ListFindingsCommand({ maxResults: 4, nextToken: token }));
        walked.push(...page.findings!.map((f) => f.findingArn!));
        token = page.nextToken;
        // Between pages: a new image, and alpine's musl-utils opened and closed again.
        round++;
        if (round === 1) await ingestViaEndpoint(server.url, readFixture(sharedFixture('trivy/alpine-39.json')), { image: alpineImage.replace('/alpine@', '/alpine-copy@') });
        if (round === 2) await ingestViaEndpoint(server.url, readFixture(sharedFixture('trivy/alpine-39.json')).replace('2021-08-25T12:20:30', '2021-08-27T12:20:30'), { image: alpineImage });
      } while (token);
      assert.equal(new Set(walked).size, walked.length, 'no finding twice');
      for (const arn of before) assert.ok(walked.includes(arn), `${arn} was not skipped`);
    });

    it('keeps an imported Inspector2 finding as Inspector2 gave it', async () => {
      const importer = '222233334444';
      const fixture = JSON.parse(readFixture(sharedFixture('inspector2/list-findings-one.json'))).findings[0];
      assert.equal((await ingestViaEndpoint(server.url, readFixture(sharedFixture('inspector2/list-findings-one.json')), { accountId: importer })).status, 200);
      const [finding] = await all(inspector2Client(server.url, importer));
      assert.equal(finding!.findingArn, fixture.findingArn);
      assert.deepEqual([finding!.firstObservedAt!.toISOString(), finding!.lastObservedAt!.toISOString(), finding!.updatedAt!.toISOString()], [fixture.firstObservedAt, fixture.lastObservedAt, fixture.updatedAt].map((t: string) => new Date(t).toISOString()));
      assert.equal(finding!.description, fixture.description);
      assert.deepEqual([finding!.severity, finding!.inspectorScore, finding!.epss], [fixture.severity, fixture.inspectorScore, fixture.epss]);
      assert.equal(finding!.packageVulnerabilityDetails!.source, fixture.packageVulnerabilityDetails.source);
      const [byArn] = await all(inspector2Client(server.url, importer), { filterCriteria: { findingArn: [text('EQUALS', fixture.findingArn)] } });
      assert.equal(byArn!.findingArn, fixture.findingArn, 'found by the ARN it carries');
    });

    it("keeps Inspector2's exploit availability, and gives each package of a finding its own ARN", async () => {
      const importer = '222233335555';
      const file = readFixture(sharedFixture('inspector2/list-findings-many.json'));
      const records = (JSON.parse(file).findings as any[]).filter((r) => r.resources[0].type === 'AWS_ECR_CONTAINER_IMAGE');
      assert.equal((await ingestViaEndpoint(server.url, file, { accountId: importer })).status, 200);
      const client = inspector2Client(server.url, importer);
      const listed = await all(client);
      assert.equal(new Set(listed.map((f) => f.findingArn)).size, listed.length, 'no two findings share an ARN');
      const exploited = await all(client, { filterCriteria: { exploitAvailable: [text('EQUALS', 'YES')] } });
      const expected = records.filter((r) => r.exploitAvailable === 'YES');
      assert.deepEqual(exploited.map((f) => f.packageVulnerabilityDetails!.vulnerabilityId).sort(), expected.map((r) => r.packageVulnerabilityDetails.vulnerabilityId).sort());
      for (const r of expected) {
        const f = exploited.find((e) => e.findingArn === r.findingArn)!;
        assert.deepEqual([f.exploitAvailable, f.exploitabilityDetails?.lastKnownExploitAt?.toISOString()], ['YES', new Date(r.exploitabilityDetails.lastKnownExploitAt).toISOString()]);
      }
      const { findingDetails } = await client.send(new BatchGetFindingDetailsCommand({ findingArns: expected.map((r) => r.findingArn) }));
      assert.deepEqual(findingDetails!.map((d) => d.exploitObserved?.lastSeen?.toISOString()).sort(), expected.map((r) => new Date(r.exploitabilityDetails.lastKnownExploitAt).toISOString()).sort(), 'BatchGetFindingDetails: exploitObserved.lastSeen');
      assert.equal((await all(client, { filterCriteria: { exploitAvailable: [text('EQUALS', 'NO')] } })).length, listed.length - exploited.length);
      const twoPackages = records.find((r) => r.packageVulnerabilityDetails.vulnerablePackages.length === 2)!;
      const split = listed.filter((f) => f.packageVulnerabilityDetails!.vulnerabilityId === twoPackages.packageVulnerabilityDetails.vulnerabilityId);
      assert.equal(split.length, 2, 'one finding per package');
      assert.deepEqual(split.filter((f) => f.findingArn === twoPackages.findingArn).length, 1, "the first package's finding keeps the ARN");
      assert.deepEqual(split.map((f) => f.updatedAt!.toISOString()), Array(2).fill(new Date(twoPackages.updatedAt).toISOString()), 'both keep its times');
    });

    it("shows no other account's findings", async () => {
      assert.deepEqual(await all(inspector2Client(server.url, '444455556666')), []);
    });

    it('answers boto3 and the AWS CLI', { skip: boto3Missing || awsCliMissing }, async () => {
      const viaBoto3 = await boto3([
        'paginator = inspector2.get_paginator("list_findings")',
        'result = [f["findingArn"] for page in paginator.paginate(filterCriteria={"severity": [{"comparison": "EQUALS", "value": "CRITICAL"}]}, sortCriteria={"field": "SEVERITY", "sortOrder": "DESC"}, PaginationConfig={"PageSize": 2}) for f in page["findings"]]',
      ].join('\n'), server.url);
      const expected = (await all(client, { filterCriteria: { severity: [text('EQUALS', 'CRITICAL')] } })).map((f) => f.findingArn);
      assert.deepEqual(viaBoto3, expected);
      const viaCli = await awsCli(['inspector2', 'list-findings', '--filter-criteria', JSON.stringify({ vulnerabilityId: [text('PREFIX', 'CVE-2021-4238')] }), '--sort-criteria', 'field=VULNERABILITY_ID,sortOrder=ASC', '--page-size', '3'], server.url);
      assert.equal(viaCli.findings.length, 6, 'the CLI follows every page');
      assert.deepEqual(viaCli.findings.map((f: any) => f.packageVulnerabilityDetails.vulnerabilityId), [...viaCli.findings.map((f: any) => f.packageVulnerabilityDetails.vulnerabilityId)].sort());
    });
  });
}
