// GET /metrics, parsed as Prometheus text after known traffic: AWS requests by outcome, request
// durations, ingests by format and outcome, the domain gauges (checked against the AWS answers for the
// same data), build info and process metrics, no unbounded label; the bearer token under SigV4.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand } from '@aws-sdk/client-imagebuilder';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import { databaseKinds } from './helpers/databases.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';
import { imagebuilderClient, ingestViaEndpoint, inspector2Client, postRaw, startTestServer, type TestServer } from './helpers/server.ts';
import { eventually } from './helpers/watcher.ts';

const account = '111122223333';
// The image the ECS fixture's task runs, so that its findings count as running.
const runningImage = `${account}.dkr.ecr.us-west-2.amazonaws.com/hello-repository@sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6`;
const runningBuild = `arn:aws:imagebuilder:us-west-2:${account}:image/hello/1.0.0/1`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments and blank lines skipped). */
function parse(text: string): Sample[] {
  return text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `a Prometheus sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    return { name: match[1]!, labels, value: Number(match[3]) };
  });
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

const sum = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/metrics`, { headers });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

for (const kind of databaseKinds) {
  describe(`GET /metrics on ${kind.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(kind, { env: { IMAGESCOPE_METRICS_INTERVAL_MS: '100' } });
    });
    after(() => server.stop());

    it('counts known traffic, and its gauges agree with the AWS answers for the same data', async () => {
      assert.equal((await ingestViaEndpoint(server.url, readFixture(sharedFixture('trivy/alpine-39.json')), { image: runningImage, imageBuildVersionArn: runningBuild, accountId: account })).status, 200);
      assert.equal((await ingestViaEndpoint(server.url, readFixture(sharedFixture('grype/many_vulns.json')), { accountId: account })).status, 200);
      assert.equal((await ingestViaEndpoint(server.url, readFixture(sharedFixture('ecs/task-state-change-running.json')), { accountId: account })).status, 200);
      assert.equal((await ingestViaEndpoint(server.url, '{"not": "a report"}', { accountId: account })).status, 400);
      const builder = imagebuilderClient(server.url, account);
      const totals = (await builder.send(new ListImageScanFindingAggregationsCommand({}))).responses![0]!.accountAggregation!.severityCounts!;
      const ofRunning = (await builder.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'imageBuildVersionArn', values: [runningBuild] } }))).responses![0]!.imageAggregation!.severityCounts!;
      const vulnerabilities = await builder.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' } }));
      assert.equal(vulnerabilities.nextToken, undefined, 'one page');
      await assert.rejects(builder.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'nope' } })), { name: 'InvalidRequestException' });
      await inspector2Client(server.url, account).send(new GetClustersForImageCommand({ filter: { resourceId: `arn:aws:ecr:us-west-2:${account}:repository/web` } }));

      const samples = await eventually(async () => {
        const found = parse((await scrape(server.url)).text);
        assert.equal(value(found, 'imagescope_images'), 2, 'the snapshot has counted the ingests');
        assert.equal(value(found, 'imagescope_running_units', { platform: 'ecs' }), 1);
        return found;
      });
      assert.equal(value(samples, 'imagescope_aws_requests_total', { operation: 'ListImageScanFindingAggregations', outcome: 'success' }), 3);
      assert.equal(value(samples, 'imagescope_aws_requests_total', { operation: 'ListImageScanFindingAggregations', outcome: 'InvalidRequestException' }), 1);
      assert.equal(value(samples, 'imagescope_aws_requests_total', { operation: 'GetClustersForImage', outcome: 'success' }), 1);
      assert.equal(value(samples, 'imagescope_http_request_duration_seconds_count', { service: 'imagebuilder', operation: 'ListImageScanFindingAggregations', status: '200' }), 3);
      assert.equal(value(samples, 'imagescope_http_request_duration_seconds_count', { service: 'imagebuilder', operation: 'ListImageScanFindingAggregations', status: '400' }), 1);
      assert.equal(value(samples, 'imagescope_http_request_duration_seconds_count', { service: 'imagescope', operation: 'ingest', status: '200' }), 3);
      assert.equal(value(samples, 'imagescope_ingest_documents_total', { format: 'trivy', outcome: 'stored' }), 1);
      assert.equal(value(samples, 'imagescope_ingest_documents_total', { format: 'ecs', outcome: 'stored' }), 1);
      assert.equal(value(samples, 'imagescope_ingest_documents_total', { format: 'grype', outcome: 'stored' }), 1);
      assert.equal(value(samples, 'imagescope_ingest_documents_total', { format: 'auto', outcome: 'rejected' }), 1);
      assert.equal(value(samples, 'imagescope_ingest_duration_seconds_count'), 4);
      assert.ok(value(samples, 'imagescope_last_ingest_timestamp_seconds', { source: 'trivy' })! > Date.now() / 1000 - 600);
      // The Trivy report's image runs (the ECS task runs it); the Grype report's does not.
      assert.equal(sum(samples, 'imagescope_findings', { running: 'true' }), ofRunning.all);
      assert.equal(value(samples, 'imagescope_findings', { severity: 'critical', running: 'true' }), ofRunning.critical);
      assert.equal(value(samples, 'imagescope_findings', { severity: 'high', running: 'true' }), ofRunning.high);
      assert.equal(sum(samples, 'imagescope_findings', { running: 'false' }), totals.all! - ofRunning.all!);
      assert.equal(sum(samples, 'imagescope_findings', { severity: 'critical' }), totals.critical);
      assert.ok(ofRunning.all! > 0 && totals.all! > ofRunning.all!, 'both kinds are there');
      assert.equal(sum(samples, 'imagescope_unique_vulnerabilities'), vulnerabilities.responses!.length);
      // The running image's only scan (the Trivy report of 2021) is older than the freshness window.
      assert.deepEqual(['current', 'stale', 'never'].map((scan) => value(samples, 'imagescope_running_images', { scan })), [0, 1, 0]);
      const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
      assert.equal(value(samples, 'imagescope_build_info', { version }), 1);
      assert.ok(value(samples, 'process_cpu_user_seconds_total')! > 0, 'default process metrics');
      assert.ok(value(samples, 'nodejs_heap_size_used_bytes')! > 0);
      const unbounded = samples.flatMap((s) => Object.values(s.labels)).filter((v) => /sha256|CVE-|arn:|\d{12}/.test(v));
      assert.deepEqual(unbounded, [], 'no label carries a digest, CVE, ARN or account');
    });
  });
}

describe('GET /metrics with --auth sigv4', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(databaseKinds[0]!, { env: { IMAGESCOPE_AUTH: 'sigv4', IMAGESCOPE_METRICS_TOKEN: 'scrape-me-0123456789' } });
  });
  after(() => server.stop());

  it('takes only the bearer token, and counts authentication failures by reason', async () => {
    assert.equal((await scrape(server.url)).status, 401);
    assert.equal((await scrape(server.url, { authorization: 'Bearer wrong-token-0123456' })).status, 401);
    assert.equal((await postRaw(server.url, '/ListImageScanFindingAggregations', '{}')).status, 403);
    const scraped = await scrape(server.url, { authorization: 'Bearer scrape-me-0123456789' });
    assert.equal(scraped.status, 200);
    assert.match(scraped.contentType ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(value(parse(scraped.text), 'imagescope_authentication_failures_total', { reason: 'MissingAuthenticationTokenException' }), 1);
  });
});
