// ListImageScanFindingAggregations end to end: real reports ingested through the HTTP ingest endpoint
// with pipelines and build versions, queried with the real @aws-sdk/client-imagebuilder, on every store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand, paginateListImageScanFindingAggregations, type Filter } from '@aws-sdk/client-imagebuilder';
import { imagebuilderModel } from '../src/model/service-model.ts';
import { databaseKinds } from './helpers/databases.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';
import { assertMatchesShape } from './helpers/output-shape.ts';
import { account, build, image, ingestImageBuilderReports, ingestReport, pipeline } from './helpers/image-builder-reports.ts';
import { imagebuilderClient, ingestViaEndpoint, postRaw, startTestServer, type TestServer } from './helpers/server.ts';

const counts = (all: number, critical: number, high: number, medium: number) => ({ all, critical, high, medium });

/** What the five reports below hold, worked out from the files (see findings-parsers.test.ts). */
const accountTotals = counts(34, 4, 13, 13);

async function list(server: TestServer, filter?: Filter, accessKeyId?: string) {
  const pages = [];
  for await (const page of paginateListImageScanFindingAggregations({ client: imagebuilderClient(server.url, accessKeyId) }, { filter })) pages.push(page);
  return pages;
}

type Entry = { key: string; all: number; critical: number; high: number; medium: number };

/** The aggregations of every page as `{key, ...severityCounts}`. */
function entries(pages: Awaited<ReturnType<typeof list>>): Entry[] {
  return pages.flatMap((p) => p.responses!).map((r) => {
    const [member] = Object.values(r) as { severityCounts: Omit<Entry, 'key'> }[];
    const key = Object.entries(member).find(([name]) => name !== 'severityCounts')![1] as unknown as string;
    return { key, ...member.severityCounts };
  });
}

function assertWorstFirst(rows: Entry[]): void {
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    const order = b.critical - a.critical || b.high - a.high || b.medium - a.medium || b.all - a.all || a.key.localeCompare(b.key);
    assert.ok(order < 0, `${a.key} must come before ${b.key}`);
  }
}

for (const kind of databaseKinds) {
  describe(`ListImageScanFindingAggregations on ${kind.name}`, () => {
    let server: TestServer;
    const ingest = (path: string, params: Record<string, string> = {}) => ingestReport(server, path, params);

    before(async () => {
      server = await startTestServer(kind, { now: Date.parse('2026-11-21T12:00:00Z'), env: { IMAGESCOPE_AGGREGATION_PAGE_SIZE: '5' } });
      await ingestImageBuilderReports(server);
    });
    after(() => server.stop());

    it('answers no filter with one accountAggregation for the caller', async () => {
      const out = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({}));
      assert.equal(out.aggregationType, 'accountId');
      assert.deepEqual(out.responses, [{ accountAggregation: { accountId: account, severityCounts: accountTotals } }]);
      assert.equal(out.nextToken, undefined);
      assert.equal(out.requestId, out.$metadata.requestId, 'requestId equals the x-amzn-RequestId header');
    });

    it('answers an account that has no findings with zero counts', async () => {
      const out = await imagebuilderClient(server.url, '999999999999').send(new ListImageScanFindingAggregationsCommand({}));
      assert.deepEqual(out.responses, [{ accountAggregation: { accountId: '999999999999', severityCounts: counts(0, 0, 0, 0) } }]);
    });

    it('filters by account id, and never shows another account', async () => {
      assert.deepEqual(entries(await list(server, { name: 'accountId', values: [account] })), [{ key: account, ...accountTotals }]);
      assert.deepEqual(entries(await list(server, { name: 'accountId' })), [{ key: account, ...accountTotals }]);
      assert.deepEqual(entries(await list(server, { name: 'accountId', values: ['222233334444'] })), []);
      assert.deepEqual(entries(await list(server, { name: 'imagePipelineArn' }, '222233334444')), []);
    });

    it('aggregates by image pipeline, one or several values, or every pipeline', async () => {
      const web = { key: pipeline('web'), ...counts(21, 3, 10, 6) };
      const base = { key: pipeline('base'), ...counts(4, 0, 0, 4) };
      const pages = await list(server, { name: 'imagePipelineArn' });
      assert.equal(pages[0].aggregationType, 'imagePipelineArn');
      assert.ok('imagePipelineAggregation' in pages[0].responses![0]);
      assert.deepEqual(entries(pages), [web, base]);
      assert.deepEqual(entries(await list(server, { name: 'imagePipelineArn', values: [pipeline('base')] })), [base]);
      assert.deepEqual(entries(await list(server, { name: 'imagePipelineArn', values: [pipeline('base'), pipeline('none'), pipeline('web')] })), [web, base]);
    });

    it('aggregates by image build version', async () => {
      const pages = await list(server, { name: 'imageBuildVersionArn' });
      assert.equal(pages[0].aggregationType, 'imageBuildVersionArn');
      assert.ok('imageAggregation' in pages[0].responses![0]);
      assert.deepEqual(entries(pages), [
        { key: build('1.0.0/1'), ...counts(6, 2, 0, 4) },
        { key: build('1.0.0/2'), ...counts(15, 1, 10, 2) },
        { key: build('2.0.0/1'), ...counts(4, 0, 0, 4) },
      ]);
    });

    it('lists every vulnerability worst first, over pages of the fixed size', async () => {
      const pages = await list(server, { name: 'vulnerabilityId' });
      assert.equal(pages.length, 6, '26 vulnerabilities in pages of 5');
      assert.ok(pages.slice(0, -1).every((p) => p.responses!.length === 5 && p.nextToken));
      assert.equal(pages.at(-1)!.nextToken, undefined);
      const rows = entries(pages);
      assert.equal(rows.length, 26);
      assert.equal(new Set(rows.map((r) => r.key)).size, 26);
      assertWorstFirst(rows);
      assert.deepEqual(rows.slice(0, 3), [
        { key: 'CVE-2019-14697', ...counts(2, 2, 0, 0) },
        { key: 'CVE-2020-9548', ...counts(1, 1, 0, 0) },
        { key: 'CVE-2022-48174', ...counts(1, 1, 0, 0) },
      ]);
      const byKey = new Map(rows.map((r) => [r.key, r]));
      assert.deepEqual(byKey.get('CVE-2019-1549'), { key: 'CVE-2019-1549', ...counts(4, 0, 0, 4) });
      assert.deepEqual(byKey.get('CVE-2022-29824'), { key: 'CVE-2022-29824', ...counts(2, 0, 0, 2) });
      assert.deepEqual(byKey.get('CVE-2024-37021'), { key: 'CVE-2024-37021', ...counts(1, 0, 0, 0) }, 'untriaged counts in all only');
      assert.equal(byKey.get('CVE-2021-3744'), undefined, 'the CLOSED Inspector2 finding does not count');
    });

    it('filters by several vulnerability ids, one element per id that has findings', async () => {
      const rows = entries(await list(server, { name: 'vulnerabilityId', values: ['CVE-2021-44228', 'CVE-2019-1551', 'CVE-2019-14697'] }));
      assert.deepEqual(rows, [
        { key: 'CVE-2019-14697', ...counts(2, 2, 0, 0) },
        { key: 'CVE-2019-1551', ...counts(4, 0, 0, 4) },
      ]);
    });

    it('sends bodies that match the output shape, with exactly all/critical/high/medium', async () => {
      for (const filter of [undefined, { name: 'vulnerabilityId' }, { name: 'imagePipelineArn' }, { name: 'imageBuildVersionArn', values: [build('1.0.0/1')] }]) {
        const response = await postRaw(server.url, '/ListImageScanFindingAggregations', JSON.stringify(filter ? { filter } : {}));
        assert.equal(response.status, 200);
        assertMatchesShape(imagebuilderModel, 'ListImageScanFindingAggregationsResponse', response.json);
        assert.equal(response.json.requestId, response.headers.get('x-amzn-requestid'));
        for (const element of response.json.responses) {
          const [member] = Object.values(element) as { severityCounts: object }[];
          assert.deepEqual(Object.keys(member.severityCounts).sort(), ['all', 'critical', 'high', 'medium']);
        }
      }
    });

    it('changes nothing when the same report is ingested twice', async () => {
      const again = await ingest('trivy/alpine-39.json', { image: image('a') });
      assert.equal(again.applied, 0);
      assert.equal(again.unchanged, 1);
      const out = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({}));
      assert.deepEqual(out.responses![0].accountAggregation!.severityCounts, accountTotals);
    });

    it('replaces the findings of an image with a newer report of the same source, and ignores an older one', async () => {
      const original = JSON.parse(readFixture(sharedFixture('trivy/alpine-39.json')));
      const newer = structuredClone(original);
      newer.CreatedAt = '2026-11-20T00:00:00Z';
      // The newer scan no longer finds musl's critical vulnerability.
      newer.Results[0].Vulnerabilities = newer.Results[0].Vulnerabilities.filter((v: { PkgName: string }) => !v.PkgName.startsWith('musl'));
      let result = await ingestViaEndpoint(server.url, JSON.stringify(newer), { image: image('a') });
      assert.equal(result.body.applied, 1);
      assert.equal(result.body.findings, 4);
      const out = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({}));
      assert.deepEqual(out.responses![0].accountAggregation!.severityCounts, counts(32, 2, 13, 13));
      assert.deepEqual(entries(await list(server, { name: 'imageBuildVersionArn', values: [build('1.0.0/1')] })), [{ key: build('1.0.0/1'), ...counts(4, 0, 0, 4) }]);
      assert.deepEqual(entries(await list(server, { name: 'vulnerabilityId', values: ['CVE-2019-14697'] })), [], 'a key with no findings left disappears');
      result = await ingestViaEndpoint(server.url, JSON.stringify(original), { image: image('a') });
      assert.equal(result.body.unchanged, 1, 'the 2021 report is older than the stored one');
      assert.deepEqual((await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({}))).responses![0].accountAggregation!.severityCounts, counts(32, 2, 13, 13));
    });

    it('moves an image between pipelines when it is ingested with another one', async () => {
      const moved = await ingest('sarif/trivy-alpine-310.sarif', { image: image('b'), imagePipelineArn: pipeline('web') });
      assert.equal(moved.applied, 1);
      assert.deepEqual(entries(await list(server, { name: 'imagePipelineArn' })), [{ key: pipeline('web'), ...counts(23, 1, 10, 10) }]);
    });

    it('applies Inspector2 Finding events one by one: closed stops counting, an older event changes nothing', async () => {
      const [finding] = JSON.parse(readFixture(sharedFixture('inspector2/list-findings-one.json'))).findings;
      const event = (status: string, updatedAt: string) => ({
        version: '0',
        'detail-type': 'Inspector2 Finding',
        source: 'aws.inspector2',
        account: '012345678901',
        detail: { ...finding, status, updatedAt },
      });
      const cve = () => list(server, { name: 'vulnerabilityId', values: ['CVE-2021-3744'] }).then(entries);
      assert.deepEqual(await cve(), [], 'the CLOSED finding of list-findings-many does not count');
      let result = await ingestViaEndpoint(server.url, JSON.stringify(event('ACTIVE', '2026-11-01T00:00:00Z')));
      assert.equal(result.body.format, 'inspector2');
      assert.deepEqual(await cve(), [{ key: 'CVE-2021-3744', ...counts(1, 0, 0, 1) }]);
      result = await ingestViaEndpoint(server.url, [event('CLOSED', '2026-11-02T00:00:00Z'), event('ACTIVE', '2026-11-01T12:00:00Z')].map((e) => JSON.stringify(e)).join('\n'));
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.deepEqual(await cve(), []);
      result = await ingestViaEndpoint(server.url, JSON.stringify([event('ACTIVE', '2026-11-01T00:00:00Z')]));
      assert.equal(result.body.applied, 0, 'a replayed older event');
      assert.deepEqual(await cve(), []);
    });

    it('keeps counts exact under concurrent ingests of one account', async () => {
      const before = (await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({}))).responses![0].accountAggregation!.severityCounts!;
      const report = readFixture(sharedFixture('trivy/debian-buster.json'));
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => ingestViaEndpoint(server.url, report, { image: image(String(i % 6)), imagePipelineArn: pipeline('concurrent') })),
      );
      assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.map((r) => r.body)));
      assert.equal(results.reduce((n, r) => n + r.body.applied, 0), 6, 'six images, each ingested twice at once');
      const after = (await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({}))).responses![0].accountAggregation!.severityCounts!;
      // debian-buster: one critical and one low finding per image.
      assert.deepEqual(after, { all: before.all! + 12, critical: before.critical! + 6, high: before.high, medium: before.medium });
      assert.deepEqual(entries(await list(server, { name: 'imagePipelineArn', values: [pipeline('concurrent')] })), [{ key: pipeline('concurrent'), ...counts(12, 6, 0, 0) }]);
    });

    it('counts a finding once when two scanners report it for the same image', async () => {
      const before = entries(await list(server, { name: 'vulnerabilityId', values: ['CVE-2019-1549'] }));
      // Grype's view of the same alpine 3.10 image (shaped by hand): the same two findings, rated High.
      const grype = {
        source: { type: 'image', target: { userInput: 'web' } },
        descriptor: { name: 'grype', timestamp: '2026-11-21T00:00:00Z' },
        matches: ['libcrypto1.1', 'libssl1.1'].map((name) => ({ vulnerability: { id: 'CVE-2019-1549', severity: 'High' }, artifact: { name, version: '1.1.1c-r0' } })),
      };
      const result = await ingestViaEndpoint(server.url, JSON.stringify(grype), { image: image('b') });
      assert.equal(result.body.applied, 1);
      const after = entries(await list(server, { name: 'vulnerabilityId', values: ['CVE-2019-1549'] }));
      assert.equal(after[0].all, before[0].all, 'same (vulnerability, package, version): no new findings');
      assert.equal(after[0].high, 2, 'the worst severity of the two sources counts');
    });
  });
}
