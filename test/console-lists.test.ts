// The console's lists and their JSON, CSV and cursors, on every store, over data ingested by the real
// CLI (helpers/console-world.ts): Vulnerabilities, Images and one image, Clusters, and the overview's
// running figures, top fives, sources and trend. Expected figures are worked out by hand from the
// fixtures: the Trivy alpine 3.9 report holds CVE-2019-14697 (musl and musl-utils, CRITICAL) and
// CVE-2019-1549 and CVE-2019-1551 (libcrypto1.1 and libssl1.1 each, MEDIUM), all six with a fix; it is
// on the running hello-repository image (1 ECS task in FargateCluster, 1 pod in EKS apps) and on the
// idle image. The Grype report (busybox, never run) holds 15 ids: 1 critical, 10 high, 2 medium,
// 2 low, only CVE-2021-42376 with a fix.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { ingestInput } from '../src/ingest/ingest-input.ts';
import { openStore } from '../src/store/open-store.ts';
import { runCli } from './helpers/cli.ts';
import { sharedFixture } from './helpers/fixtures.ts';
import { tempDir } from './helpers/temp.ts';
import { consoleGet } from './helpers/console-get.ts';
import { databaseKinds } from './helpers/databases.ts';
import { accountA, accountB, cve, ecsCluster, eksCluster, idleResourceId, startConsoleWorld, runningResourceId, stopFixtureTask } from './helpers/console-world.ts';
import { inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';

const get = consoleGet;

const busyboxResourceId = 'arn:aws:ecr:us-east-1:111122223333:repository/docker.io/library/busybox/sha256:ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7';
const imagePath = (resourceId: string) => `/api/v1/images/${encodeURIComponent(resourceId)}`;
const ids = (items: { vulnerabilityId: string }[]) => items.map((i) => i.vulnerabilityId);

/** Follows nextCursor to the end; every page's items in order. */
async function walk(server: TestServer, path: string, query: Record<string, string>): Promise<unknown[]> {
  const items: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await get(server, path, { ...query, ...(cursor && { cursor }) });
    assert.equal(page.status, 200, page.text);
    items.push(...page.json.items ?? page.json.findings);
    cursor = page.json.nextCursor;
  } while (cursor);
  return items;
}

for (const kind of databaseKinds) {
  describe(`console lists on ${kind.name}`, () => {
    let server: TestServer;

    before(async () => {
      server = await startConsoleWorld(kind);
    });
    after(() => server.stop());

    it('lists the vulnerabilities of running images by running units, with images, units and clusters', async () => {
      const { status, json } = await get(server, '/api/v1/vulnerabilities', { accountId: accountA });
      assert.equal(status, 200);
      assert.deepEqual(json, {
        total: 3,
        items: [
          { vulnerabilityId: cve, severity: 'CRITICAL', fixable: true, images: 2, runningImages: 1, runningUnits: 2, clusters: 2 },
          { vulnerabilityId: 'CVE-2019-1549', severity: 'MEDIUM', fixable: true, images: 2, runningImages: 1, runningUnits: 2, clusters: 2 },
          { vulnerabilityId: 'CVE-2019-1551', severity: 'MEDIUM', fixable: true, images: 2, runningImages: 1, runningUnits: 2, clusters: 2 },
        ],
      });
    });

    it('filters by running, severity, fix and text, and pages every id once', async () => {
      const all = await get(server, '/api/v1/vulnerabilities', { accountId: accountA, running: 'false' });
      assert.equal(all.json.total, 18);
      assert.deepEqual(ids(all.json.items).slice(0, 4), [cve, 'CVE-2019-1549', 'CVE-2019-1551', 'CVE-2022-48174']);
      const high = await get(server, '/api/v1/vulnerabilities', { accountId: accountA, running: 'false', severity: 'HIGH' });
      assert.equal(high.json.total, 10);
      assert.ok(high.json.items.every((v: { severity: string; images: number; runningUnits: number }) => v.severity === 'HIGH' && v.images === 1 && v.runningUnits === 0));
      const fixable = await get(server, '/api/v1/vulnerabilities', { accountId: accountA, running: 'false', fixable: 'true' });
      assert.deepEqual(ids(fixable.json.items), [cve, 'CVE-2019-1549', 'CVE-2019-1551', 'CVE-2021-42376']);
      const text = await get(server, '/api/v1/vulnerabilities', { accountId: accountA, running: 'false', q: 'cve-2019-15' });
      assert.deepEqual(ids(text.json.items), ['CVE-2019-1549', 'CVE-2019-1551']);
      const severities = await get(server, '/api/v1/vulnerabilities', { accountId: accountA, running: 'false', severity: 'critical,low' });
      assert.deepEqual(ids(severities.json.items), [cve, 'CVE-2022-48174', 'CVE-2024-58251', 'CVE-2025-46394']);
      const paged = await walk(server, '/api/v1/vulnerabilities', { accountId: accountA, running: 'false', limit: '4' });
      assert.deepEqual(paged, all.json.items);
    });

    it('exports every vulnerability as CSV whatever the page size', async () => {
      const csv = await get(server, '/api/v1/vulnerabilities', { accountId: accountA, running: 'false', limit: '1', format: 'csv' });
      assert.match(csv.headers.get('content-type')!, /^text\/csv/);
      const rows: Record<string, string>[] = parse(csv.text, { columns: true });
      assert.equal(rows.length, 18);
      assert.deepEqual(rows[0], { vulnerabilityId: cve, severity: 'CRITICAL', fixable: 'true', images: '2', runningImages: '1', runningUnits: '2', clusters: '2' });
      assert.equal(rows.find((r) => r.vulnerabilityId === 'CVE-2022-48174')!.fixable, 'false');
    });

    it('lists images worst first with counts, fixes, use, pipeline; running only on request', async () => {
      const { json } = await get(server, '/api/v1/images', { accountId: accountA });
      assert.equal(json.total, 3);
      // Two critical occurrences in each Trivy image (the running one first), one in busybox.
      assert.deepEqual(json.items.map((i: { resourceId: string }) => i.resourceId), [runningResourceId, idleResourceId, busyboxResourceId]);
      assert.deepEqual(json.items[0], {
        resourceId: runningResourceId,
        repository: `arn:aws:ecr:us-west-2:${accountA}:repository/hello-repository`,
        digest: runningResourceId.slice(runningResourceId.lastIndexOf('/') + 1),
        tags: ['1.0'],
        imagePipelineArn: `arn:aws:imagebuilder:us-west-2:${accountA}:image-pipeline/hello`,
        severityCounts: { all: 6, critical: 2, high: 0, medium: 4, low: 0, informational: 0, untriaged: 0 },
        fixableCounts: { all: 6, critical: 2, high: 0 },
        uniqueVulnerabilities: 3,
        worstSeverity: 'CRITICAL',
        runningUnits: 2,
        clusters: 2,
        lastInUse: json.items[0].lastInUse,
      });
      assert.equal(typeof json.items[0].lastInUse, 'number');
      assert.deepEqual(json.items[2].severityCounts, { all: 15, critical: 1, high: 10, medium: 2, low: 2, informational: 0, untriaged: 0 });
      assert.deepEqual(json.items[2].fixableCounts, { all: 1, critical: 0, high: 0 });
      assert.deepEqual(json.items.map((i: { tags: string[] }) => i.tags), [['1.0'], [], ['1.32.1']], 'tags from --image and from the Grype report');
      const running = await get(server, '/api/v1/images', { accountId: accountA, running: 'true' });
      assert.deepEqual(running.json.items.map((i: { resourceId: string }) => i.resourceId), [runningResourceId]);
      assert.deepEqual(await walk(server, '/api/v1/images', { accountId: accountA, limit: '1' }), json.items);
      const csv: Record<string, string>[] = parse((await get(server, '/api/v1/images', { accountId: accountA, format: 'csv' })).text, { columns: true });
      assert.deepEqual(csv.map((r) => [r.resourceId, r.tags, r.critical, r.fixable, r.runningUnits]), [[runningResourceId, '1.0', '2', '6', '2'], [idleResourceId, '', '2', '6', '0'], [busyboxResourceId, '1.32.1', '1', '1', '0']]);
    });

    it('answers one image: its findings worst first, paged, and where it runs as GetClustersForImage says', async () => {
      const { status, json } = await get(server, imagePath(runningResourceId), { accountId: accountA });
      assert.equal(status, 200);
      assert.equal(json.findings.length, 6);
      assert.deepEqual(json.findings.slice(0, 2), [
        { vulnerabilityId: cve, severity: 'CRITICAL', packageName: 'musl', installedVersion: '1.1.20-r4', fixedVersion: '1.1.20-r5', sources: ['trivy'] },
        { vulnerabilityId: cve, severity: 'CRITICAL', packageName: 'musl-utils', installedVersion: '1.1.20-r4', fixedVersion: '1.1.20-r5', sources: ['trivy'] },
      ]);
      const sdk = await inspector2Client(server.url, accountA).send(new GetClustersForImageCommand({ filter: { resourceId: runningResourceId } }));
      assert.deepEqual(json.clusters.map((c: { clusterArn: string }) => c.clusterArn), sdk.cluster!.map((c) => c.clusterArn));
      assert.deepEqual(json.clusters.map((c: { clusterArn: string }) => c.clusterArn).sort(), [ecsCluster, eksCluster].sort());
      assert.deepEqual(await walk(server, imagePath(runningResourceId), { accountId: accountA, limit: '4' }), json.findings);
      const csv: Record<string, string>[] = parse((await get(server, imagePath(runningResourceId), { accountId: accountA, format: 'csv', limit: '1' })).text, { columns: true });
      assert.equal(csv.length, 6);
      // A resource id may also come with its slashes unencoded.
      const raw = await fetch(`${server.url}/api/v1/images/${runningResourceId}?accountId=${accountA}`);
      assert.equal((await raw.json()).resourceId, runningResourceId);
    });

    it('lists the first clusters of each exposed image, and says when more run it', async () => {
      const exposurePath = `/api/v1/vulnerabilities/${cve}/exposure`;
      const one = await get(server, exposurePath, { accountId: accountA, clusterLimit: '1' });
      assert.deepEqual(one.json.images[0].clusters.map((c: { clusterArn: string }) => c.clusterArn), [ecsCluster]);
      assert.equal(one.json.images[0].moreClusters, true);
      const all = await get(server, exposurePath, { accountId: accountA });
      assert.equal(all.json.images[0].clusters.length, 2);
      assert.equal(all.json.images[0].moreClusters, undefined);
      assert.equal((await get(server, exposurePath, { accountId: accountA, clusterLimit: '101' })).json.parameter, 'clusterLimit');
      const page = await (await fetch(`${server.url}/vulnerabilities/${cve}?accountId=${accountA}&clusterLimit=1`)).text();
      assert.match(page, /runs in more clusters: its page lists them all/);
    });

    it('lists clusters with the images they run and their worst severity', async () => {
      const { json } = await get(server, '/api/v1/clusters', { accountId: accountA });
      assert.equal(json.total, 2);
      const image = { resourceId: runningResourceId, runningUnits: 1, worstSeverity: 'CRITICAL', critical: 2 };
      assert.deepEqual(json.items, [
        { clusterArn: ecsCluster, platform: 'ECS', runningUnits: 1, imagesWithCritical: 1, unscannedImages: 0, worstSeverity: 'CRITICAL', imageCount: 1, images: [image] },
        { clusterArn: eksCluster, platform: 'EKS', runningUnits: 1, imagesWithCritical: 1, unscannedImages: 0, worstSeverity: 'CRITICAL', imageCount: 1, images: [image] },
      ]);
      const one = await get(server, '/api/v1/clusters', { accountId: accountA, clusterArn: eksCluster });
      assert.deepEqual(one.json.items.map((c: { clusterArn: string }) => c.clusterArn), [eksCluster]);
      // Account B's one task runs an image B scanned.
      const b = await get(server, '/api/v1/clusters', { accountId: accountB });
      assert.deepEqual(b.json.items.map((c: { clusterArn: string; worstSeverity: string }) => [c.clusterArn, c.worstSeverity]), [[`arn:aws:ecs:us-west-2:${accountB}:cluster/b-cluster`, 'CRITICAL']]);
    });

    it('sums up what runs now: running severities, criticals, fixable criticals, top fives, sources, trend', async () => {
      const { json } = await get(server, '/api/v1/summary', { accountId: accountA });
      assert.deepEqual(json.severityCounts, {
        all: { all: 27, critical: 5, high: 10, medium: 10, low: 2, informational: 0, untriaged: 0 },
        running: { all: 6, critical: 2, high: 0, medium: 4, low: 0, informational: 0, untriaged: 0 },
      });
      assert.equal(json.runningImagesWithCritical, 1);
      assert.deepEqual(json.fixableCritical, { all: 4, running: 2 });
      assert.equal(json.uniqueVulnerabilitiesRunning, 3);
      assert.deepEqual(ids(json.topVulnerabilities), [cve, 'CVE-2019-1549', 'CVE-2019-1551']);
      assert.deepEqual(json.topImages.map((i: { resourceId: string }) => i.resourceId), [runningResourceId]);
      assert.deepEqual(json.sources.map((s: { source: string }) => s.source), ['ECS', 'Kubernetes', 'grype', 'trivy']);
      for (const s of json.sources) assert.ok(Math.abs(s.lastIngestAt - Date.now() / 1000) < 600, `${s.source} fed just now`);
      const today = new Date().toISOString().slice(0, 10);
      assert.deepEqual(json.trend, [{ day: today, all: json.severityCounts.all, running: json.severityCounts.running }]);
    });

    it('refuses bad parameters and foreign cursors with the parameter named, and unknown images with 404', async () => {
      const cases: [string, Record<string, string>, number, string | undefined][] = [
        ['/api/v1/vulnerabilities', { severity: 'SEVERE' }, 400, 'severity'],
        ['/api/v1/vulnerabilities', { fixable: 'maybe' }, 400, 'fixable'],
        ['/api/v1/vulnerabilities', { limit: '0' }, 400, 'limit'],
        ['/api/v1/images', { running: 'yes please' }, 400, 'running'],
        ['/api/v1/clusters', { clusterArn: 'not-an-arn' }, 400, 'clusterArn'],
        [imagePath('arn:aws:ecr:us-west-2:111122223333:repository/hello'), {}, 400, 'resourceId'],
        [imagePath(`arn:aws:ecr:us-west-2:${accountA}:repository/nothing/sha256:${'d'.repeat(64)}`), {}, 404, undefined],
      ];
      for (const [path, query, status, parameter] of cases) {
        const answer = await get(server, path, { accountId: accountA, ...query });
        assert.equal(answer.status, status, `${path} ${JSON.stringify(query)}: ${answer.text}`);
        assert.equal(answer.json.parameter, parameter);
      }
      const imagesCursor = (await get(server, '/api/v1/images', { accountId: accountA, limit: '1' })).json.nextCursor;
      assert.equal((await get(server, '/api/v1/vulnerabilities', { accountId: accountA, cursor: imagesCursor })).json.parameter, 'cursor');
      const vulnerabilitiesCursor = (await get(server, '/api/v1/vulnerabilities', { accountId: accountA, running: 'false', limit: '1' })).json.nextCursor;
      assert.equal((await get(server, '/api/v1/vulnerabilities', { accountId: accountA, running: 'true', limit: '1', cursor: vulnerabilitiesCursor })).json.parameter, 'cursor');
    });

    it('shows each account only its own rows, through every list, image, cursor and export', async () => {
      const b = await get(server, '/api/v1/vulnerabilities', { accountId: accountB, running: 'false' });
      assert.equal(b.json.total, 3);
      assert.equal((await get(server, imagePath(runningResourceId), { accountId: accountB })).status, 404);
      for (const path of ['/api/v1/vulnerabilities', '/api/v1/images', '/api/v1/clusters']) {
        const csv = await get(server, path, { accountId: accountB, running: 'false', format: 'csv' });
        assert.equal(csv.status, 200);
        assert.ok(!csv.text.includes(accountA), `${path}: no row of account A`);
        const cursorA = (await get(server, path, { accountId: accountA, running: 'false', limit: '1' })).json.nextCursor;
        assert.ok(cursorA, path);
        const replayed = await get(server, path, { accountId: accountB, running: 'false', limit: '1', cursor: cursorA });
        assert.equal(replayed.status, 400);
        assert.equal(replayed.json.message, 'The cursor was issued to a different account.');
      }
      for (const page of ['/', '/vulnerabilities?running=false', '/images', '/clusters']) {
        const response = await fetch(`${server.url}${page}${page.includes('?') ? '&' : '?'}accountId=${accountB}`);
        assert.equal(response.status, 200);
        assert.ok(!(await response.text()).includes('hello-repository'), `${page} shows nothing of account A`);
      }
    });

    it('follows the fleet and new reports on the next request', async () => {
      await stopFixtureTask(server.database);
      const after = await get(server, '/api/v1/vulnerabilities', { accountId: accountA });
      assert.deepEqual(after.json.items[0], { vulnerabilityId: cve, severity: 'CRITICAL', fixable: true, images: 2, runningImages: 1, runningUnits: 1, clusters: 1 });
      assert.deepEqual((await get(server, '/api/v1/clusters', { accountId: accountA })).json.items.map((c: { clusterArn: string }) => c.clusterArn), [eksCluster]);
      // The Grype report on the running image too: its ids now run, and the image's counts grow.
      const grype = await runCli(['ingest', '--db', server.database.location, '--account-id', accountA, '--image', `${accountA}.dkr.ecr.us-west-2.amazonaws.com/hello-repository@${runningResourceId.slice(runningResourceId.lastIndexOf('/') + 1)}`, sharedFixture('grype/many_vulns.json')]);
      assert.equal(grype.code, 0, grype.stderr);
      const running = await get(server, '/api/v1/vulnerabilities', { accountId: accountA });
      assert.equal(running.json.total, 18);
      const image = await get(server, imagePath(runningResourceId), { accountId: accountA });
      assert.deepEqual(image.json.severityCounts, { all: 21, critical: 3, high: 10, medium: 6, low: 2, informational: 0, untriaged: 0 });
    });
  });

  describe(`linked digests on ${kind.name}`, () => {
    // The Grype report names busybox by its registry digest (repoDigests: the index of a multi-platform
    // image) and the platform manifest it scanned (manifestDigest); a pod runs the platform digest.
    const index = 'sha256:ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7';
    const platform = 'sha256:123b1fd3a44eaaf7322e08e9175d9ca57d49ebf2955d4fa1f5607e99dc31bcbb';
    const repository = `arn:aws:ecr:us-east-1:${accountA}:repository/docker.io/library/busybox`;
    const edge = `arn:aws:eks:us-east-1:${accountA}:cluster/edge`;
    let server: TestServer;

    before(async () => {
      const database = await kind.create();
      const dir = await tempDir();
      try {
        const pod = {
          apiVersion: 'v1', kind: 'Pod',
          metadata: { name: 'probe', namespace: 'ops', uid: 'pod-probe', resourceVersion: '3' },
          status: { phase: 'Running', containerStatuses: [{ name: 'probe', image: 'busybox:1.32.1', imageID: `docker-pullable://busybox@${platform}`, state: { running: {} } }] },
        };
        await writeFile(`${dir.path}/pods.json`, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod] }));
        for (const args of [[sharedFixture('grype/many_vulns.json')], ['--cluster-arn', edge, `${dir.path}/pods.json`]]) {
          const result = await runCli(['ingest', '--db', database.location, '--account-id', accountA, ...args]);
          assert.equal(result.code, 0, result.stderr);
        }
      } finally {
        await dir.remove();
      }
      server = await startTestServer(kind, { database });
    });
    after(() => server.stop());

    it('counts the platform digest\'s use as the scanned image\'s, while GetClustersForImage keeps to the digest asked for', async () => {
      const images = await get(server, '/api/v1/images', { accountId: accountA });
      assert.deepEqual(images.json.items.map((i: { resourceId: string; runningUnits: number; clusters: number }) => [i.resourceId, i.runningUnits, i.clusters]), [[`${repository}/${index}`, 1, 1]]);
      const clusters = await get(server, '/api/v1/clusters', { accountId: accountA });
      assert.deepEqual(clusters.json.items.map((c: { clusterArn: string; unscannedImages: number; images: { resourceId: string }[] }) => [c.clusterArn, c.unscannedImages, c.images.map((i) => i.resourceId)]), [[edge, 0, [`${repository}/${index}`]]]);
      const running = await get(server, '/api/v1/vulnerabilities', { accountId: accountA });
      assert.equal(running.json.total, 15, 'every id of the report runs');
      const exposure = await get(server, '/api/v1/vulnerabilities/CVE-2022-48174/exposure', { accountId: accountA });
      assert.deepEqual(exposure.json.summary, { severity: 'CRITICAL', occurrences: 1, images: 1, runningImages: 1, runningUnits: 1 });
      assert.deepEqual(exposure.json.images[0].clusters.map((c: { clusterArn: string }) => c.clusterArn), [edge]);
      const own = await inspector2Client(server.url, accountA).send(new GetClustersForImageCommand({ filter: { resourceId: `${repository}/${platform}` } }));
      assert.deepEqual(own.cluster!.map((c) => c.clusterArn), [edge]);
      assert.deepEqual(exposure.json.images[0].clusters[0].clusterDetails.length, own.cluster![0]!.clusterDetails!.length);
      const byIndex = await inspector2Client(server.url, accountA).send(new GetClustersForImageCommand({ filter: { resourceId: `${repository}/${index}` } }));
      assert.deepEqual(byIndex.cluster, []);
    });
  });

  describe(`console trend on ${kind.name}`, () => {
    it('keeps one snapshot a day and carries it over days without an ingest, for 90 days', async () => {
      const database = await kind.create();
      const day = (d: string) => Date.parse(`${d}T12:00:00Z`);
      const store = await openStore(database.location);
      try {
        const trivy = await readFile(sharedFixture('trivy/alpine-39.json'), 'utf8');
        const grype = await readFile(sharedFixture('grype/many_vulns.json'), 'utf8');
        const options = { format: 'auto' as const, accountId: accountA };
        await ingestInput(store, { name: 'old.json', text: trivy }, { ...options, image: `${accountA}.dkr.ecr.us-west-2.amazonaws.com/old@sha256:${'e'.repeat(64)}` }, day('2026-06-01'));
        await ingestInput(store, { name: 'a.json', text: trivy }, { ...options, image: `${accountA}.dkr.ecr.us-west-2.amazonaws.com/a@sha256:${'a'.repeat(64)}` }, day('2026-11-01'));
        await ingestInput(store, { name: 'grype.json', text: grype }, options, day('2026-11-03'));
      } finally {
        await store.close();
      }
      const server = await startTestServer(kind, { database, now: day('2026-11-04') });
      try {
        const { json } = await get(server, '/api/v1/summary', { accountId: accountA });
        // The window starts 89 days before 2026-11-04; June's snapshot is older and not shown.
        assert.deepEqual(json.trend.map((d: { day: string; all: { critical: number } }) => [d.day, d.all.critical]), [
          ['2026-11-01', 4],
          ['2026-11-02', 4],
          ['2026-11-03', 5],
          ['2026-11-04', 5],
        ]);
        const page = await (await fetch(`${server.url}/?accountId=${accountA}`)).text();
        assert.match(page, /<svg class="chart trend" role="img"/);
        assert.match(page, /<th scope="row">2026-11-02<\/th>/);
      } finally {
        await server.stop();
      }
    });
  });
}
