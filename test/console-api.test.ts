// The console's JSON API and its CSV, on every store, over data ingested by the real CLI: the exposure
// of a CVE (images, packages with installed and fixed versions, and where each image runs, in the
// same shape as GetClustersForImage, checked against the real SDK's answer), cursors, bad input, and
// one account never seeing another's data.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import { ListImageScanFindingAggregationsCommand } from '@aws-sdk/client-imagebuilder';
import { parse } from 'csv-parse/sync';
import { consoleGet } from './helpers/console-get.ts';
import { databaseKinds } from './helpers/databases.ts';
import { accountA, accountB, cve, ecsCluster, eksCluster, idleResourceId, startConsoleWorld, runningResourceId, stopFixtureTask } from './helpers/console-world.ts';
import { imagebuilderClient, inspector2Client, type TestServer } from './helpers/server.ts';
import { signedFetch } from './helpers/sign.ts';
import { newAccessKey } from '../src/protocol/access-keys.ts';
import type { AccessKeyRow } from '../src/store/store.ts';

const get = consoleGet;

const exposurePath = (id: string) => `/api/v1/vulnerabilities/${encodeURIComponent(id)}/exposure`;

for (const kind of databaseKinds) {
  describe(`console API on ${kind.name}`, () => {
    let server: TestServer;

    before(async () => {
      server = await startConsoleWorld(kind);
    });
    after(() => server.stop());

    it('answers where a CVE runs: images, packages, fixes, and GetClustersForImage\'s own cluster entries', async () => {
      const { status, json, headers } = await get(server, exposurePath(cve), { accountId: accountA });
      assert.equal(status, 200);
      assert.equal(headers.get('cache-control'), 'no-store');
      // Worked out from the fixtures: 2 packages (musl, musl-utils) in each of 2 images; one image runs
      // as 1 ECS task and 1 EKS pod.
      assert.deepEqual(json.summary, { severity: 'CRITICAL', occurrences: 4, images: 2, runningImages: 1, runningUnits: 2 });
      assert.equal(json.runningOnly, true);
      assert.equal(json.images.length, 1);
      const [image] = json.images;
      assert.equal(image.resourceId, runningResourceId);
      assert.equal(image.runningUnits, 2);
      assert.equal(image.imagePipelineArn, `arn:aws:imagebuilder:us-west-2:${accountA}:image-pipeline/hello`);
      assert.deepEqual(image.tags, ['1.0']);
      assert.deepEqual(image.packages, [
        { source: 'trivy', packageName: 'musl', installedVersion: '1.1.20-r4', fixedVersion: '1.1.20-r5', severity: 'CRITICAL' },
        { source: 'trivy', packageName: 'musl-utils', installedVersion: '1.1.20-r4', fixedVersion: '1.1.20-r5', severity: 'CRITICAL' },
      ]);
      assert.deepEqual(image.clusters.map((c: { clusterArn: string }) => c.clusterArn).sort(), [ecsCluster, eksCluster].sort());
      const eks = image.clusters.find((c: { clusterArn: string }) => c.clusterArn === eksCluster).clusterDetails[0];
      assert.deepEqual(eks.clusterMetadata, { awsEksMetadataDetails: { namespace: 'shop', workloadInfoList: [{ name: 'web', type: 'Deployment' }] } });
      const sdk = await inspector2Client(server.url, accountA).send(new GetClustersForImageCommand({ filter: { resourceId: runningResourceId } }));
      // The SDK turns the wire's epoch seconds into Dates: back to seconds to compare with the API.
      const asWire = JSON.parse(JSON.stringify(sdk.cluster, function (this: Record<string, unknown>, key, value) {
        return this[key] instanceof Date ? (this[key] as Date).getTime() / 1000 : value;
      }));
      assert.deepEqual(image.clusters, asWire);
    });

    it('sums up the account: images, what runs now, unique vulnerabilities, findings, newest scans', async () => {
      const { status, json } = await get(server, '/api/v1/summary', { accountId: accountA });
      assert.equal(status, 200);
      // By hand: 3 images (the Trivy report on two, the Grype report's own); the running one has 1 ECS
      // task and 1 pod; 3 CVEs in the Trivy report and 15 other ids in the Grype one; 6 findings x 2
      // images (2 critical, 4 medium each) plus Grype's 1 critical, 10 high, 2 medium and 2 low.
      const { latestScans, images, runningImages, runningUnits, uniqueVulnerabilities, findings } = json;
      assert.deepEqual({ images, runningImages, runningUnits, uniqueVulnerabilities, findings }, { images: 3, runningImages: 1, runningUnits: 2, uniqueVulnerabilities: 18, findings: { all: 27, critical: 5, high: 10, medium: 10 } });
      assert.deepEqual(latestScans.map((s: { source: string; reportTime: number }) => [s.source, Math.floor(s.reportTime)]), [
        ['grype', Date.parse('2025-06-19T11:43:35Z') / 1000],
        ['trivy', Date.parse('2021-08-25T12:20:30Z') / 1000],
      ]);
      assert.deepEqual((await get(server, '/api/v1/summary', { accountId: accountB })).json.images, 1);
      assert.equal((await get(server, '/api/v1/summary', { accountId: accountA, format: 'csv' })).json.parameter, 'format');
    });

    it('lists every image that carries it with running=false, running first, paged by cursor', async () => {
      const all = await get(server, exposurePath(cve), { accountId: accountA, running: 'false' });
      assert.deepEqual(all.json.images.map((i: { resourceId: string }) => i.resourceId), [runningResourceId, idleResourceId]);
      assert.deepEqual(all.json.images[1].clusters, []);
      const first = await get(server, exposurePath(cve), { accountId: accountA, running: 'false', limit: '1' });
      assert.deepEqual(first.json.images.map((i: { resourceId: string }) => i.resourceId), [runningResourceId]);
      assert.ok(first.json.nextCursor);
      const second = await get(server, exposurePath(cve), { accountId: accountA, running: 'false', limit: '1', cursor: first.json.nextCursor });
      assert.deepEqual(second.json.images.map((i: { resourceId: string }) => i.resourceId), [idleResourceId]);
      assert.equal(second.json.nextCursor, undefined);
    });

    it('exports the whole list as CSV, one row per image and place it runs', async () => {
      const csv = await get(server, exposurePath(cve), { accountId: accountA, running: 'false', format: 'csv', limit: '1' });
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type')!, /^text\/csv/);
      assert.match(csv.headers.get('content-disposition')!, /attachment; filename="CVE-2019-14697-exposure.csv"/);
      const rows: Record<string, string>[] = parse(csv.text, { columns: true });
      assert.deepEqual(rows.map((r) => [r.resourceId, r.clusterArn, r.detailsGroupOrNamespace, r.workloads, r.runningUnitCount]), [
        [runningResourceId, ecsCluster, 'family:sample-fargate', '', '1'],
        [runningResourceId, eksCluster, 'shop', 'Deployment/web', '1'],
        [idleResourceId, '', '', '', ''],
      ]);
      assert.equal(rows[0].fixedVersions, '1.1.20-r5; 1.1.20-r5');
    });

    it('shows each account only its own images, through every path and cursor', async () => {
      const b = await get(server, exposurePath(cve), { accountId: accountB, running: 'false' });
      assert.deepEqual(b.json.images.map((i: { resourceId: string }) => i.resourceId), [`arn:aws:ecr:us-west-2:${accountB}:repository/b-app/sha256:${'c'.repeat(64)}`]);
      assert.equal(b.json.summary.images, 1);
      const csvB = await get(server, exposurePath(cve), { accountId: accountB, format: 'csv' });
      assert.ok(!csvB.text.includes(accountA), 'no row of account A');
      const cursorA = (await get(server, exposurePath(cve), { accountId: accountA, running: 'false', limit: '1' })).json.nextCursor;
      const replayed = await get(server, exposurePath(cve), { accountId: accountB, running: 'false', limit: '1', cursor: cursorA });
      assert.equal(replayed.status, 400);
      assert.deepEqual(replayed.json, { error: 'InvalidParameter', message: 'The cursor was issued to a different account.', parameter: 'cursor' });
      const otherFilter = await get(server, exposurePath(cve), { accountId: accountA, running: 'true', limit: '1', cursor: cursorA });
      assert.equal(otherFilter.json.parameter, 'cursor');
    });

    it('answers a CVE no image carries with zero counts', async () => {
      const { status, json } = await get(server, exposurePath('CVE-1999-0001'), { accountId: accountA });
      assert.equal(status, 200);
      assert.deepEqual(json.summary, { occurrences: 0, images: 0, runningImages: 0, runningUnits: 0 });
      assert.deepEqual(json.images, []);
    });

    it('follows the fleet: a task that stops leaves the running counts on the next request', async () => {
      await stopFixtureTask(server.database);
      const { json } = await get(server, exposurePath(cve), { accountId: accountA });
      assert.deepEqual(json.summary, { severity: 'CRITICAL', occurrences: 4, images: 2, runningImages: 1, runningUnits: 1 });
      assert.equal(json.images[0].runningUnits, 1);
      assert.equal(json.images[0].stoppedUnits, 1);
    });

    it('lists pipelines with the counts ListImageScanFindingAggregations gives, as JSON and CSV', async () => {
      const { json } = await get(server, '/api/v1/pipelines', { accountId: accountA });
      const pipeline = `arn:aws:imagebuilder:us-west-2:${accountA}:image-pipeline/hello`;
      // The Trivy report on the running image: 2 critical and 4 medium findings.
      assert.deepEqual(json, { by: 'pipeline', items: [{ imagePipelineArn: pipeline, severityCounts: { all: 6, critical: 2, high: 0, medium: 4 } }] });
      const sdk = await imagebuilderClient(server.url, accountA).send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'imagePipelineArn' } }));
      assert.deepEqual(sdk.responses!.map((r) => ({ imagePipelineArn: r.imagePipelineAggregation!.imagePipelineArn, severityCounts: r.imagePipelineAggregation!.severityCounts })), json.items);
      const csv = await get(server, '/api/v1/pipelines', { accountId: accountA, format: 'csv' });
      assert.deepEqual(parse(csv.text, { columns: true }), [{ imagePipelineArn: pipeline, all: '6', critical: '2', high: '0', medium: '4' }]);
      assert.deepEqual((await get(server, '/api/v1/pipelines', { accountId: accountB })).json.items, []);
      assert.deepEqual((await get(server, '/api/v1/pipelines', { accountId: accountA, by: 'build' })).json.items, []);
    });

    it('refuses bad parameters with 400, naming the parameter', async () => {
      const cases: [string, Record<string, string>, string][] = [
        [exposurePath(cve), { limit: '0' }, 'limit'],
        [exposurePath(cve), { limit: '101' }, 'limit'],
        [exposurePath(cve), { running: 'maybe' }, 'running'],
        [exposurePath(cve), { format: 'xml' }, 'format'],
        [exposurePath(cve), { cursor: 'v1.garbage' }, 'cursor'],
        [exposurePath(cve), { accountId: '1234' }, 'accountId'],
        [exposurePath('CVE 2019'), {}, 'vulnerabilityId'],
        ['/api/v1/pipelines', { by: 'team' }, 'by'],
        ['/api/v1/pipelines', { cursor: 'x' }, 'cursor'],
      ];
      for (const [path, query, parameter] of cases) {
        const { status, json } = await get(server, path, query);
        assert.equal(status, 400, `${path} ${JSON.stringify(query)}`);
        assert.equal(json.parameter, parameter);
        assert.equal(typeof json.message, 'string');
      }
    });
  });
}

describe('console access with --auth sigv4', () => {
  let server: TestServer;
  const reader = newAccessKey(accountA, 'read', Date.now());
  const ingestOnly = newAccessKey(accountA, 'ingest', Date.now());
  const other = newAccessKey(accountB, 'read', Date.now());
  const signedGet = (key: AccessKeyRow, query: Record<string, string> = {}) =>
    signedFetch(server.url, exposurePath(cve), '', { method: 'GET', query, accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key, service: 'imagescope' });

  before(async () => {
    server = await startConsoleWorld(databaseKinds[0]!, { now: Date.now(), env: { IMAGESCOPE_AUTH: 'sigv4' } });
    for (const key of [reader, ingestOnly, other]) await server.store.createAccessKey(key);
  });
  after(() => server.stop());

  it('answers the API signed with service imagescope, for the key\'s account only', async () => {
    const mine = await signedGet(reader, { running: 'false' });
    assert.equal(mine.status, 200);
    assert.equal(((await mine.json()) as { summary: { images: number } }).summary.images, 2);
    // ?accountId= names no account when a key decides it.
    const theirs = await signedGet(other, { running: 'false', accountId: accountA });
    assert.deepEqual(((await theirs.json()) as { images: { resourceId: string }[] }).images.map((i) => i.resourceId.split(':')[4]), [accountB]);
  });

  it('shows alerts to the admin role only', async () => {
    const admin = newAccessKey(accountA, 'admin', Date.now());
    await server.store.createAccessKey(admin);
    const alerts = (key: AccessKeyRow) => signedFetch(server.url, '/api/v1/alerts/deliveries', '', { method: 'GET', accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key, service: 'imagescope' });
    const refused = await alerts(reader);
    assert.equal(refused.status, 403);
    assert.deepEqual(await refused.json(), { error: 'AccessDeniedException', message: "Alerts are for the admin role; this key's role is 'read'." });
    const allowed = await alerts(admin);
    assert.equal(allowed.status, 200);
    assert.deepEqual(await allowed.json(), { enabled: false, destinations: [], deliveries: [] });
  });

  it('refuses unsigned and ingest-only API callers with AWS\'s errors, and sends pages to sign in', async () => {
    const unsigned = await get(server, exposurePath(cve));
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.json.error, 'MissingAuthenticationTokenException');
    const ingest = await signedGet(ingestOnly);
    assert.equal(ingest.status, 403);
    assert.equal(((await ingest.json()) as { error: string }).error, 'AccessDeniedException');
    const page = await get(server, '/pipelines', { accountId: accountA });
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), `/login?next=${encodeURIComponent(`/pipelines?accountId=${accountA}`)}`);
  });

  it('signs in with a read key: an HttpOnly SameSite=Strict session that sees its own account only', async () => {
    const browser = new CookieJar(server.url);
    const form = await browser.signInForm();
    const wrong = await browser.post('/login', { csrf: form.csrf, next: '/', accessKeyId: reader.access_key_id, secretAccessKey: 'wrong' });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /The access key id or secret access key is not valid/);
    const noCsrf = await browser.post('/login', { next: '/', accessKeyId: reader.access_key_id, secretAccessKey: reader.secret_access_key });
    assert.equal(noCsrf.status, 403, 'a sign-in without the form\'s token is refused');
    const foreign = await browser.post('/login', { csrf: form.csrf, next: '/', accessKeyId: reader.access_key_id, secretAccessKey: reader.secret_access_key }, { origin: 'https://evil.example' });
    assert.equal(foreign.status, 403, 'a sign-in posted from another site is refused');
    const crossSite = await browser.post('/login', { csrf: form.csrf, next: '/', accessKeyId: reader.access_key_id, secretAccessKey: reader.secret_access_key }, { origin: 'null', 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403, 'so is one the browser says is cross-site');
    const offSite = await browser.post('/login', { csrf: form.csrf, next: '//evil.example/', accessKeyId: other.access_key_id, secretAccessKey: other.secret_access_key });
    assert.equal(offSite.headers.get('location'), '/', 'never sent off this site after signing in');
    await browser.post('/logout', { csrf: browser.cookie('imagescope_csrf')! });
    // Signing in gave a new CSRF token: the old form's is spent.
    assert.equal((await browser.post('/login', { csrf: form.csrf, next: '/', accessKeyId: reader.access_key_id, secretAccessKey: reader.secret_access_key })).status, 403);
    Object.assign(form, await browser.signInForm());
    const signedIn = await browser.post('/login', { csrf: form.csrf, next: '/pipelines?by=build', accessKeyId: reader.access_key_id, secretAccessKey: reader.secret_access_key });
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.get('location'), '/pipelines?by=build');
    const setCookies = signedIn.headers.getSetCookie();
    assert.ok(setCookies.some((c) => /^imagescope_session=[\w-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/.test(c)), setCookies.join(' | '));
    const overview = await browser.get('/', { accountId: accountB });
    assert.equal(overview.status, 200);
    const text = await overview.text();
    assert.match(text, new RegExp(`Account <span>${accountA}</span>`), '?accountId= does not change a session\'s account');
    assert.match(text, /Sign out/);
    const api = await browser.get(exposurePath(cve), { running: 'false', accountId: accountB });
    assert.equal(((await api.json()) as { summary: { images: number } }).summary.images, 2, 'the API takes the session too, for its own account');
    const signOut = await browser.post('/logout', { csrf: browser.cookie('imagescope_csrf')! });
    assert.equal(signOut.status, 303);
    assert.equal((await browser.get('/')).status, 303, 'signed out');
  });

  it('ends a session when it is idle too long, its key is revoked, or sign-ins come too fast', async () => {
    const browser = new CookieJar(server.url);
    await browser.signIn(other);
    assert.equal((await browser.get('/')).status, 200);
    server.clock.now += 31 * 60_000;
    assert.equal((await browser.get('/')).status, 303, 'idle for 31 minutes');
    server.clock.now = Date.now();
    await browser.signIn(other);
    assert.equal((await browser.get('/')).status, 200);
    await server.store.revokeAccessKey(other.access_key_id, Date.now());
    assert.equal((await browser.get('/')).status, 303, 'the key was revoked');
    const flood = new CookieJar(server.url);
    const form = await flood.signInForm();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await flood.post('/login', { csrf: form.csrf, next: '/', accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' })).status);
    assert.ok(statuses.includes(429), `sign-ins are throttled: ${statuses.join(',')}`);
  });
});

/** A browser's cookies, enough to sign in and out through the forms. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly url: string) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private remember(response: Response): Response {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = pair!.split('=');
      if (/Max-Age=0/.test(line)) this.cookies.delete(name!);
      else this.cookies.set(name!, value!);
    }
    return response;
  }

  private header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(path: string, query: Record<string, string> = {}): Promise<Response> {
    return this.remember(await fetch(`${this.url}${path}?${new URLSearchParams(query)}`, { redirect: 'manual', headers: { cookie: this.header() } }));
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.remember(await fetch(`${this.url}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: this.header(), 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() }));
  }

  async signInForm(): Promise<{ csrf: string }> {
    const page = await (await this.get('/login')).text();
    return { csrf: /name="csrf" value="([^"]+)"/.exec(page)![1]! };
  }

  async signIn(key: AccessKeyRow): Promise<void> {
    const { csrf } = await this.signInForm();
    const response = await this.post('/login', { csrf, next: '/', accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key });
    assert.equal(response.status, 303);
  }
}
