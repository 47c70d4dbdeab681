// ListImageScanFindingAggregations: pagination that holds still while ingestion goes on, the sealed
// nextToken, and InvalidRequestException for every constraint of the input model and every bad filter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand, paginateListImageScanFindingAggregations, type Filter } from '@aws-sdk/client-imagebuilder';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import { imagebuilderModel } from '../src/model/service-model.ts';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';
import { modelConstraints } from './helpers/model-constraints.ts';
import { imagebuilderClient, ingestViaEndpoint, inspector2Client, postRaw, startTestServer, type TestServer } from './helpers/server.ts';

const image = (c: string) => `111122223333.dkr.ecr.us-west-2.amazonaws.com/web@sha256:${c.repeat(64)}`;
const vulnerabilities: Filter = { name: 'vulnerabilityId' };

/** A Trivy report with the given findings, for ingestion between pages. */
function trivyReport(createdAt: string, findings: [string, string, string][]): string {
  return JSON.stringify({
    SchemaVersion: 2,
    CreatedAt: createdAt,
    ArtifactName: 'web',
    Results: [{ Target: 'web', Vulnerabilities: findings.map(([VulnerabilityID, PkgName, Severity]) => ({ VulnerabilityID, PkgName, InstalledVersion: '1', Severity })) }],
  });
}

const pattern = (shape: string) => imagebuilderModel.shapes[shape].pattern!;
/** One case per constraint of the input model, keyed `<path> <constraint>`, with AWS's exact message. */
const constraintCases: Record<string, { input: object; message: string }> = {
  'filter.name pattern': {
    input: { filter: { name: 'vulnerability-id' } },
    message: `Value 'vulnerability-id' at 'filter.name' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern('FilterName')}`,
  },
  'filter.values min': {
    input: { filter: { name: 'vulnerabilityId', values: [] } },
    message: "Value '[]' at 'filter.values' failed to satisfy constraint: Member must have length greater than or equal to 1",
  },
  'filter.values max': {
    input: { filter: { name: 'vulnerabilityId', values: Array.from({ length: 11 }, (_, i) => `CVE-2024-${i}`) } },
    message: `Value '[${Array.from({ length: 11 }, (_, i) => `CVE-2024-${i}`).join(', ')}]' at 'filter.values' failed to satisfy constraint: Member must have length less than or equal to 10`,
  },
  'filter.values.member pattern': {
    input: { filter: { name: 'vulnerabilityId', values: ['CVE-2024-1', 'CVE<script>'] } },
    message: `Value 'CVE<script>' at 'filter.values.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern('FilterValue')}`,
  },
  'nextToken min': {
    input: { nextToken: '' },
    message: "Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
  },
  'nextToken max': {
    input: { nextToken: 'x'.repeat(65536) },
    message: `Value '${'x'.repeat(65536)}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 65535`,
  },
};

interface ImagebuilderError {
  name: string;
  message: string;
  $metadata: { httpStatusCode: number };
}

const rejectsWith = (promise: Promise<unknown>, name: string, message: RegExp | string, status = 400) =>
  assert.rejects(promise, (error: ImagebuilderError) => {
    assert.equal(error.name, name);
    assert.equal(error.$metadata.httpStatusCode, status);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });

for (const kind of databaseKinds) {
  describe(`ListImageScanFindingAggregations paging and errors on ${kind.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(kind, { now: Date.parse('2026-11-21T12:00:00Z'), env: { IMAGESCOPE_AGGREGATION_PAGE_SIZE: '4' } });
      for (const [path, params] of [
        ['grype/many_vulns.json', {}],
        ['trivy/alpine-39.json', { image: image('a') }],
      ] as const) {
        const result = await ingestViaEndpoint(server.url, readFixture(sharedFixture(path)), params);
        assert.equal(result.status, 200, JSON.stringify(result.body));
      }
    });
    after(() => server.stop());

    const listAll = async (filter: Filter) => {
      const rows: { key: string; counts: unknown }[] = [];
      for await (const page of paginateListImageScanFindingAggregations({ client: imagebuilderClient(server.url) }, { filter })) {
        for (const r of page.responses!) rows.push({ key: r.vulnerabilityIdAggregation!.vulnerabilityId!, counts: r.vulnerabilityIdAggregation!.severityCounts });
      }
      return rows;
    };

    it('holds one pagination sequence still while ingestion changes the counts between pages', async () => {
      const snapshot = await listAll(vulnerabilities);
      assert.equal(snapshot.length, 18, '15 from Grype, 3 from Trivy');
      const seen: { key: string; counts: unknown }[] = [];
      let page = 0;
      for await (const result of paginateListImageScanFindingAggregations({ client: imagebuilderClient(server.url) }, { filter: vulnerabilities })) {
        for (const r of result.responses!) seen.push({ key: r.vulnerabilityIdAggregation!.vulnerabilityId!, counts: r.vulnerabilityIdAggregation!.severityCounts });
        page++;
        // Move keys across the cursor: lift a key from the end to the top, add new keys, and drop one.
        const ingest = await ingestViaEndpoint(server.url, trivyReport(`2026-11-21T0${page}:00:00Z`, [
          ['CVE-2025-46394', 'busybox-extra', 'CRITICAL'],
          ['CVE-2025-46394', 'busybox-static', 'CRITICAL'],
          [`CVE-2030-000${page}`, 'new', 'CRITICAL'],
        ]), { image: image('b') });
        assert.equal(ingest.body.applied, 1);
        if (page === 2) assert.equal((await ingestViaEndpoint(server.url, trivyReport('2026-11-21T11:00:00Z', []), { image: image('a') })).body.applied, 1);
      }
      assert.deepEqual(seen, snapshot, 'exactly the keys and counts as of the first page');
      const fresh = await listAll(vulnerabilities);
      assert.equal(fresh[0].key, 'CVE-2025-46394', 'a new sequence sees the new counts');
      assert.ok(!fresh.some((r) => r.key === 'CVE-2019-14697'), 'and the findings that were replaced are gone');
    });

    describe('nextToken', () => {
      let token: string;
      before(async () => {
        const first = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({ filter: vulnerabilities }));
        token = first.nextToken!;
        assert.ok(token);
      });
      const page = (nextToken: string, filter: Filter = vulnerabilities, client = imagebuilderClient(server.url)) =>
        client.send(new ListImageScanFindingAggregationsCommand({ filter, nextToken }));

      it('continues the listing', async () => {
        assert.equal((await page(token)).responses!.length, 4);
      });

      it('is rejected when altered or made up', async () => {
        const body = token.slice(3);
        await rejectsWith(page(`v1.${body.slice(0, 20)}${body[20] === 'A' ? 'B' : 'A'}${body.slice(21)}`), 'InvalidPaginationTokenException', /not valid/);
        await rejectsWith(page('v1.bm90IGEgdG9rZW4'), 'InvalidPaginationTokenException', /not valid/);
      });

      it('is rejected for another account, region, filter or operation', async () => {
        await rejectsWith(page(token, vulnerabilities, imagebuilderClient(server.url, '222233334444')), 'InvalidPaginationTokenException', /different account/);
        await rejectsWith(page(token, vulnerabilities, imagebuilderClient(server.url, '111122223333', 'eu-west-1')), 'InvalidPaginationTokenException', /different region/);
        await rejectsWith(page(token, { name: 'vulnerabilityId', values: ['CVE-2019-14697'] }), 'InvalidPaginationTokenException', /different filter/);
        await ingestViaEndpoint(server.url, jsonLines([ecsTaskEvent({ cluster: 'a', task: '1' }), ecsTaskEvent({ cluster: 'b', task: '2' })]));
        const clustersToken = (await inspector2Client(server.url).send(new GetClustersForImageCommand({ filter: { resourceId: 'arn:aws:ecr:us-west-2:111122223333:repository/app' }, maxResults: 1 }))).nextToken!;
        assert.ok(clustersToken);
        await rejectsWith(page(clustersToken), 'InvalidPaginationTokenException', /issued by another server or operation/);
      });

      it('expires after 24 hours', async () => {
        const issued = server.clock.now;
        server.clock.now = issued + 24 * 3600_000 + 1;
        await rejectsWith(page(token), 'InvalidPaginationTokenException', /expired/);
        server.clock.now = issued;
      });
    });

    it('has a case for every constraint of the input model', () => {
      assert.deepEqual(Object.keys(constraintCases).sort(), modelConstraints(imagebuilderModel, 'ListImageScanFindingAggregationsRequest').sort());
    });

    for (const [constraint, { input, message }] of Object.entries(constraintCases)) {
      it(`enforces ${constraint} with InvalidRequestException and AWS's message`, async () => {
        await rejectsWith(imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand(input)), 'InvalidRequestException', `1 validation error detected: ${message}`);
      });
    }

    it('refuses unknown filter names, values without a name and values that are not keys of the filter', async () => {
      const send = (filter: Filter) => imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({ filter }));
      await rejectsWith(send({ name: 'severity' }), 'InvalidRequestException', "The filter name 'severity' is not valid. Valid names: accountId, imagePipelineArn, imageBuildVersionArn, vulnerabilityId.");
      await rejectsWith(send({ values: ['CVE-2019-14697'] }), 'InvalidRequestException', /must have a name when it has values/);
      await rejectsWith(send({ name: 'imagePipelineArn', values: ['web'] }), 'InvalidRequestException', "The value 'web' is not a valid imagePipelineArn.");
      await rejectsWith(send({ name: 'imageBuildVersionArn', values: ['arn:aws:imagebuilder:us-west-2:111122223333:image/web/1.0'] }), 'InvalidRequestException', /is not a valid imageBuildVersionArn/);
      await rejectsWith(send({ name: 'accountId', values: ['1234'] }), 'InvalidRequestException', "The value '1234' is not a valid accountId.");
    });

    it('answers bodies that are not JSON with InvalidRequestException', async () => {
      for (const body of ['{"filter":', '[]', '{"filter": "x"}']) {
        const response = await postRaw(server.url, '/ListImageScanFindingAggregations', body);
        assert.equal(response.status, 400, body);
        assert.equal(response.headers.get('x-amzn-errortype'), 'InvalidRequestException');
        assert.ok(response.json.message);
      }
    });

    it('survives a restart: tokens stay valid', async () => {
      const first = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({ filter: vulnerabilities }));
      const expected = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({ filter: vulnerabilities, nextToken: first.nextToken }));
      await server.close();
      server = await startTestServer(kind, { now: server.clock.now, database: server.database, env: { IMAGESCOPE_AGGREGATION_PAGE_SIZE: '4' } });
      const next = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({ filter: vulnerabilities, nextToken: first.nextToken }));
      assert.deepEqual(next.responses, expected.responses);
    });

    it('turns an unexpected failure into ServiceException (500) with the request id', async () => {
      await server.store.close();
      const response = await postRaw(server.url, '/ListImageScanFindingAggregations', '{}');
      assert.equal(response.status, 500);
      assert.equal(response.headers.get('x-amzn-errortype'), 'ServiceException');
      assert.ok(response.json.message.includes(response.headers.get('x-amzn-requestid')!));
    });
  });
}
