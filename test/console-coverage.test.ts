// The Coverage page and GET /api/v1/coverage: the images running now without a current scan, the
// most running units first, with where they run and the reference to scan; its filters, its CSV, the
// overview's share, and the page in Chromium from the keyboard. The world, ingested through the
// server's endpoint on the real clock:
// - `never`: two ECS tasks in cluster `prod` (service web), never scanned;
// - `stale`: one pod of Deployment `api` in EKS cluster `apps` (namespace shop), scanned 10 days ago;
// - `fresh`: one ECS task, scanned yesterday (current: not listed);
// - `idle`: scanned, not running (not listed);
// - account B: a running image never scanned (never shown to A).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { consoleGet } from './helpers/console-get.ts';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';
import { ingestViaEndpoint, startTestServer, type TestServer } from './helpers/server.ts';

const accountA = '111122223333';
const accountB = '444455556666';
const day = 86_400_000;
const registry = `${accountA}.dkr.ecr.us-west-2.amazonaws.com`;
const digestOf = (c: string) => `sha256:${c.repeat(64)}`;
const resourceOf = (name: string, c: string) => `arn:aws:ecr:us-west-2:${accountA}:repository/${name}/${digestOf(c)}`;
const apps = `arn:aws:eks:us-west-2:${accountA}:cluster/apps`;

function reportAt(at: number): string {
  const report = JSON.parse(readFixture(sharedFixture('trivy/alpine-39.json')));
  report.CreatedAt = new Date(at).toISOString();
  return JSON.stringify(report);
}

function podList(name: string, c: string) {
  const replicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'api-5f6d', namespace: 'shop', uid: 'rs-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: 'dep-1', controller: true }] } };
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'api-5f6d-x1', namespace: 'shop', uid: 'pod-1', resourceVersion: '10', labels: { 'pod-template-hash': '5f6d' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-5f6d', uid: 'rs-1', controller: true }] },
    spec: { containers: [{ name: 'main', image: `${registry}/${name}:3` }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'main', image: `${registry}/${name}:3`, imageID: `${registry}/${name}@${digestOf(c)}`, ready: true, restartCount: 0, state: { running: { startedAt: new Date().toISOString() } } }] },
  };
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [replicaSet, pod] });
}

async function ingestWorld(url: string): Promise<void> {
  const now = Date.now();
  const task = (cluster: string, id: string, name: string, c: string, account = accountA) =>
    ecsTaskEvent({ cluster, task: id, account, group: 'service:web', image: `${account}.dkr.ecr.us-west-2.amazonaws.com/${name}:1`, digest: digestOf(c), time: new Date(now - 60_000).toISOString() });
  const steps: [string, Record<string, string>][] = [
    [jsonLines([task('prod', 't1', 'never', 'a'), task('prod', 't2', 'never', 'a'), task('prod', 't3', 'fresh', 'f')]), {}],
    [podList('stale', 'e'), { clusterArn: apps }],
    [reportAt(now - 10 * day), { image: `${registry}/stale:3@${digestOf('e')}` }],
    [reportAt(now - day), { image: `${registry}/fresh:1@${digestOf('f')}` }],
    [reportAt(now - day), { image: `${registry}/idle@${digestOf('d')}` }],
    [jsonLines([task('b-cluster', 'tb', 'b-app', 'b', accountB)]), { accountId: accountB }],
  ];
  for (const [text, params] of steps) assert.equal((await ingestViaEndpoint(url, text, params)).status, 200);
}

for (const kind of databaseKinds) {
  describe(`the Coverage page and API on ${kind.name}`, () => {
    let server: TestServer;
    /** A console API answer of account A (or the one the query names): its status and JSON body. */
    const getJson = async (query: Record<string, string> = {}, path = '/api/v1/coverage') => {
      const answer = await consoleGet(server, path, { accountId: accountA, ...query });
      return { status: answer.status, body: answer.json };
    };
    before(async () => {
      server = await startTestServer(kind);
      await ingestWorld(server.url);
    });
    after(() => server.stop());

    it('lists the running images without a current scan, most running units first, with where they run', async () => {
      const { status, body } = await getJson();
      assert.equal(status, 200);
      assert.equal(body.total, 2);
      assert.deepEqual(body.items.map((i: any) => [i.repository, i.state, i.runningUnits, i.reference]), [
        ['never', 'PENDING_INITIAL_SCAN', 2, `${registry}/never@${digestOf('a')}`],
        ['stale', 'STALE_INVENTORY', 1, `${registry}/stale@${digestOf('e')}`],
      ]);
      const [never, stale] = body.items;
      assert.equal(never.lastScannedAt, undefined);
      assert.ok(Math.abs(stale.lastScannedAt * 1000 - (Date.now() - 10 * day)) < 60_000);
      assert.deepEqual(never.places, [{ clusterArn: `arn:aws:ecs:us-west-2:${accountA}:cluster/prod`, platform: 'ECS', group: 'service:web', workloads: [] }]);
      assert.deepEqual(stale.places, [{ clusterArn: apps, platform: 'EKS', group: 'shop', workloads: ['Deployment/api'] }]);
      assert.deepEqual([never.tags, stale.tags], [[], ['3']], 'the tag its scan was ingested with');
    });

    it('filters by state and cluster, refuses a bad filter, and pages', async () => {
      const only = async (query: Record<string, string>) => (await getJson(query)).body.items.map((i: any) => i.repository);
      assert.deepEqual(await only({ state: 'PENDING_INITIAL_SCAN' }), ['never']);
      assert.deepEqual(await only({ state: 'STALE_INVENTORY' }), ['stale']);
      assert.deepEqual(await only({ clusterArn: apps }), ['stale']);
      const bad = await getJson({ state: 'SOMETIMES' });
      assert.deepEqual([bad.status, bad.body.parameter], [400, 'state']);
      const first = await getJson({ limit: '1' });
      const second = await getJson({ limit: '1', cursor: first.body.nextCursor });
      assert.deepEqual([first.body.items[0].repository, second.body.items[0].repository, second.body.nextCursor], ['never', 'stale', undefined]);
    });

    it('exports one CSV row per image and place, named as people name them', async () => {
      const response = await fetch(`${server.url}/api/v1/coverage?accountId=${accountA}&format=csv`);
      assert.equal(response.status, 200);
      const lines = (await response.text()).trim().split(/\r?\n/);
      assert.equal(lines[0], 'image,repository,tags,digest,reference,state,scanFailure,lastScannedAt,runningUnits,cluster,platform,namespaceOrGroup,workloads,resourceId');
      assert.match(lines[1]!, new RegExp(`^never@sha256:aaaaaaaaaaaa…,never,,${digestOf('a')},${registry}/never@${digestOf('a')},PENDING_INITIAL_SCAN,,,2,prod,ECS,service:web,,${resourceOf('never', 'a')}$`));
      assert.match(lines[2]!, /^stale:3@sha256:eeeeeeeeeeee…,stale,3,.*,STALE_INVENTORY,,\d{4}-.*,1,apps,EKS,shop,Deployment\/api,/);
      assert.equal(lines.length, 3);
    });

    it('gives the overview the share of running images with a current scan, and shows each account its own', async () => {
      const summary = (await getJson({}, '/api/v1/summary')).body;
      assert.deepEqual(summary.coverage, { current: 1, stale: 1, neverScanned: 1 });
      const overview = await (await fetch(`${server.url}/?accountId=${accountA}`)).text();
      assert.match(overview, /<a href="\/coverage\?accountId=111122223333">33 % \(1 of 3\)<\/a>/);
      const b = (await getJson({ accountId: accountB })).body;
      assert.deepEqual(b.items.map((i: any) => i.repository), ['b-app']);
    });

    it('works in Chromium from the keyboard: the filter, the list, the CSV link', async () => {
      const browser: Browser = await chromium.launch({ executablePath: process.env.IMAGESCOPE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
      try {
        const page = await browser.newPage();
        await page.goto(`${server.url}/?accountId=${accountA}`);
        await page.getByRole('link', { name: 'Coverage' }).click();
        await page.getByRole('heading', { level: 1, name: 'Coverage' }).waitFor();
        const table = page.getByRole('table', { name: /without a current scan/ });
        assert.deepEqual((await table.getByRole('rowheader').allInnerTexts()), [`never@${digestOf('a').slice(0, 19)}…`, `stale:3@${digestOf('e').slice(0, 19)}…`]);
        await page.getByRole('combobox', { name: 'State' }).focus();
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('Enter');
        await page.getByRole('button', { name: 'Show' }).press('Enter');
        await page.waitForURL(/state=PENDING_INITIAL_SCAN/);
        assert.deepEqual(await page.getByRole('table', { name: /without a current scan/ }).getByRole('rowheader').allInnerTexts(), [`never@${digestOf('a').slice(0, 19)}…`]);
        assert.match(await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href') ?? '', /\/api\/v1\/coverage\?.*state=PENDING_INITIAL_SCAN.*format=csv/);
      } finally {
        await browser.close();
      }
    });
  });
}
