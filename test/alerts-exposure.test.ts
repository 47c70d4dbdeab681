// Exposure alerts end to end, on both stores: a server started with an alerts file sends signed
// CloudEvents to a receiver double (its signatures checked with the `standardwebhooks` package) as
// pods and reports arrive through the real ingest endpoint. Edge-triggered: one event per exposure
// however many pods carry it, nothing for a relist, a resend or a restart, escalated on a worse
// severity, resolved only after resolveAfter (a rolling deploy says nothing), silent for what ran
// before alerts were on or in a cluster seen for the first time (one summary instead).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { runCli } from './helpers/cli.ts';
import { databaseKinds } from './helpers/databases.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { account, digest, eksCluster, fastAlerts, image, ingest, podList, secret, settle, trivyReport } from './helpers/alert-world.ts';
import { tempDir } from './helpers/temp.ts';
import { eventually } from './helpers/watcher.ts';
import { startWebhookReceiver, type WebhookReceiver } from './doubles/webhook-receiver.ts';

const apps = eksCluster('apps');
const batch = eksCluster('batch');

for (const kind of databaseKinds) {
  describe(`exposure alerts on ${kind.name}`, () => {
    let receiver: WebhookReceiver;
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let server: TestServer;
    let alertsFile: string;
    const start = async (database?: TestServer['database']) =>
      startTestServer(kind, { ...(database && { database }), env: { IMAGESCOPE_ALERTS: alertsFile, IMAGESCOPE_PUBLIC_URL: 'https://imagescope.example', ...fastAlerts } });
    const hook = () => receiver.events('/hook');
    const ofType = (type: string) => hook().filter((e) => e.type === `io.imagescope.${type}`);

    before(async () => {
      receiver = await startWebhookReceiver(secret);
      dir = await tempDir();
      alertsFile = `${dir.path}/alerts.yaml`;
      writeFileSync(alertsFile, [
        'destinations:',
        `  - { name: hook, type: webhook, url: "${receiver.url}/hook", secret: "${secret}", batchWindow: 300ms, resolveAfter: 1500ms }`,
      ].join('\n'));
      // Before alerts are on: the api image, with a critical CVE, runs in cluster apps.
      const before = await startTestServer(kind);
      await ingest(before, trivyReport([{ id: 'CVE-2024-0001', pkg: 'openssl', version: '3.1.0-r0', severity: 'CRITICAL', fixed: '3.1.4-r0' }], '2026-12-01T00:00:00Z'), { image: image('api', 'a') });
      await ingest(before, podList([['shop', 'api', 'a1', image('api', 'a')]]), { clusterArn: apps });
      await before.close();
      server = await start(before.database);
    });
    after(async () => {
      await server?.stop();
      await receiver.close();
      await dir.remove();
    });

    it('turned on, records what runs already silently and sends one summary of it', async () => {
      await eventually(async () => assert.equal(ofType('summary').length, 1));
      const [summary] = ofType('summary');
      assert.equal(summary.data.reason, 'baseline');
      assert.deepEqual(summary.data.open, { total: 1, bySeverity: { CRITICAL: 1 } });
      assert.equal(summary.data.exposures[0].vulnerabilityId, 'CVE-2024-0001');
      await settle();
      assert.deepEqual(hook().map((e) => e.type), ['io.imagescope.summary'], 'no event per exposure');
    });

    it('opens one exposure for a vulnerable image that starts running, however many pods run it, and says nothing for a relist or a resend', async () => {
      await ingest(server, trivyReport([{ id: 'CVE-2024-0002', pkg: 'curl', version: '8.5.0-r0', severity: 'HIGH' }], '2026-12-01T00:00:00Z'), { image: image('web', 'b') });
      const pods = podList([['shop', 'api', 'a1', image('api', 'a')], ['shop', 'web', 'b1', image('web', 'b')], ['shop', 'web', 'b2', image('web', 'b')], ['tools', 'web', 'b3', image('web', 'b')]]);
      await ingest(server, pods, { clusterArn: apps });
      await eventually(async () => assert.equal(ofType('exposure.opened').length, 1));
      const opened = ofType('exposure.opened')[0];
      const request = receiver.requests.find((r) => (r.verified as any)?.id === opened.id)!;
      assert.equal(request.headers['webhook-id'], opened.id, 'one event goes by its own id');
      assert.equal(request.headers['content-type'], 'application/cloudevents+json');
      assert.deepEqual([opened.specversion, opened.source, opened.subject], ['1.0', 'imagescope', 'CVE-2024-0002']);
      const d = opened.data;
      assert.deepEqual([d.severity, d.vulnerabilityId, d.cluster, d.clusterName, d.accountId, d.fixAvailable, d.exploited], ['HIGH', 'CVE-2024-0002', apps, 'apps', account, false, false]);
      assert.deepEqual(d.images, [{ repository: `arn:aws:ecr:us-west-2:${account}:repository/web`, digest: digest('b'), tags: [], resourceId: `arn:aws:ecr:us-west-2:${account}:repository/web/${digest('b')}` }]);
      assert.deepEqual(d.workloads, [{ namespace: 'shop', kind: 'Deployment', name: 'web', runningUnits: 2 }, { namespace: 'tools', kind: 'Deployment', name: 'web', runningUnits: 1 }]);
      assert.equal(d.consoleUrl, 'https://imagescope.example/vulnerabilities/CVE-2024-0002');
      // The same list again, and the same report again: nothing.
      await ingest(server, pods, { clusterArn: apps });
      await ingest(server, trivyReport([{ id: 'CVE-2024-0002', pkg: 'curl', version: '8.5.0-r0', severity: 'HIGH' }], '2026-12-01T00:00:00Z'), { image: image('web', 'b') });
      await settle();
      assert.equal(hook().length, 2);
    });

    it('says nothing after a restart, escalates a worse severity, and opens a new finding on a running image', async () => {
      await server.close();
      server = await start(server.database);
      await settle();
      assert.equal(hook().length, 2, 'a restart alerts nothing');
      await ingest(server, trivyReport([
        { id: 'CVE-2024-0002', pkg: 'curl', version: '8.5.0-r0', severity: 'CRITICAL' },
        { id: 'CVE-2024-0003', pkg: 'zlib', version: '1.3-r0', severity: 'MEDIUM', fixed: '1.3.1-r0' },
      ], '2026-12-02T00:00:00Z'), { image: image('web', 'b') });
      await eventually(async () => assert.equal(ofType('exposure.escalated').length, 1));
      const escalated = ofType('exposure.escalated')[0];
      assert.deepEqual([escalated.data.severity, escalated.data.previousSeverity, escalated.data.exposureId], ['CRITICAL', 'HIGH', ofType('exposure.opened')[0].data.exposureId]);
      await eventually(async () => assert.deepEqual(ofType('exposure.opened').map((e) => e.subject).sort(), ['CVE-2024-0002', 'CVE-2024-0003']));
      const request = receiver.requests.find((r) => Array.isArray(r.verified));
      assert.ok(request, 'the two events of one change went as one batch');
      assert.equal(request.headers['content-type'], 'application/cloudevents-batch+json');
    });

    it('a rolling deploy within resolveAfter says nothing; pods gone for resolveAfter resolve', async () => {
      const count = hook().length;
      // The web pods replaced by new ones of the same image: stopped in one list, running in the next.
      await ingest(server, podList([['shop', 'api', 'a1', image('api', 'a')]]), { clusterArn: apps });
      await ingest(server, podList([['shop', 'api', 'a1', image('api', 'a')], ['shop', 'web', 'c1', image('web', 'b')]]), { clusterArn: apps });
      await settle(2_500);
      assert.equal(hook().length, count, 'nothing for a rolling deploy');
      await ingest(server, podList([['shop', 'api', 'a1', image('api', 'a')]]), { clusterArn: apps });
      await eventually(async () => assert.deepEqual(ofType('exposure.resolved').map((e) => e.subject).sort(), ['CVE-2024-0002', 'CVE-2024-0003']));
      const resolved = ofType('exposure.resolved').find((e) => e.subject === 'CVE-2024-0002');
      assert.ok(resolved.data.resolvedAt > resolved.data.openedAt, 'resolved after it opened');
      assert.deepEqual([resolved.data.images, resolved.data.workloads], [[], []]);
    });

    it('a reopen within the cooldown is an update of the same exposure; a new cluster\'s first sync is silent', async () => {
      await ingest(server, podList([['shop', 'api', 'a1', image('api', 'a')], ['shop', 'web', 'd1', image('web', 'b')]]), { clusterArn: apps });
      await eventually(async () => assert.equal(ofType('exposure.updated').length, 2));
      const updated = ofType('exposure.updated').find((e) => e.subject === 'CVE-2024-0002');
      assert.equal(updated.data.change, 'reopened');
      assert.equal(updated.data.exposureId, ofType('exposure.opened').find((e) => e.subject === 'CVE-2024-0002').data.exposureId);
      const count = hook().length;
      await ingest(server, podList([['jobs', 'web', 'e1', image('web', 'b')]]), { clusterArn: batch });
      await settle();
      assert.equal(hook().length, count, 'a cluster seen for the first time alerts nothing');
      await ingest(server, trivyReport([{ id: 'CVE-2024-0004', pkg: 'expat', version: '2.5.0-r0', severity: 'LOW' }], '2026-12-01T00:00:00Z'), { image: image('job', 'f') });
      await ingest(server, podList([['jobs', 'web', 'e1', image('web', 'b')], ['jobs', 'job', 'f1', image('job', 'f')]]), { clusterArn: batch });
      await eventually(async () => assert.deepEqual(ofType('exposure.opened').filter((e) => e.data.cluster === batch).map((e) => e.subject), ['CVE-2024-0004']));
    });

    it('alerts a GHSA that names a CVE as that CVE: an id and its aliases are one exposure', async () => {
      const ghsa = 'GHSA-4m5p-5w5w-3jcf';
      const grype = JSON.stringify({
        matches: [{ vulnerability: { id: ghsa, severity: 'High', fix: { versions: [], state: 'not-fixed' } }, relatedVulnerabilities: [{ id: 'CVE-2024-0009' }], artifact: { name: 'lodash', version: '4.17.20', type: 'npm' } }],
        source: { type: 'image', target: { userInput: 'lib:1' } }, descriptor: { name: 'grype', version: '0.74.0', timestamp: '2026-12-01T00:00:00Z' },
      });
      await ingest(server, grype, { image: image('lib', '7') });
      await ingest(server, trivyReport([{ id: 'CVE-2024-0009', pkg: 'lodash', version: '4.17.20', severity: 'HIGH' }], '2026-12-01T00:00:00Z'), { image: image('web2', '8') });
      await ingest(server, podList([['shop', 'api', 'a1', image('api', 'a')], ['shop', 'lib', 'l1', image('lib', '7')]]), { clusterArn: apps });
      await eventually(async () => assert.equal(ofType('exposure.opened').filter((e) => e.subject === 'CVE-2024-0009').length, 1));
      const opened = ofType('exposure.opened').find((e) => e.subject === 'CVE-2024-0009');
      assert.deepEqual(opened.data.aliases, [ghsa]);
      const count = hook().length;
      await ingest(server, podList([['shop', 'api', 'a1', image('api', 'a')], ['shop', 'lib', 'l1', image('lib', '7')], ['shop', 'web2', 'w1', image('web2', '8')]]), { clusterArn: apps });
      await settle();
      assert.equal(hook().length, count, 'the CVE itself running elsewhere in the cluster is the same exposure');
      assert.equal(hook().filter((e) => e.subject === ghsa).length, 0);
    });

    it('imagescope alerts off: writers keep no alert state any more', async () => {
      const result = await runCli(['alerts', 'off', '--db', server.database.location]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, 'alerts off: forgot hook\n');
      const count = hook().length;
      await ingest(server, trivyReport([{ id: 'CVE-2024-0010', pkg: 'musl', version: '1.2.4-r0', severity: 'CRITICAL' }], '2026-12-01T00:00:00Z'), { image: image('late', '6') });
      await ingest(server, podList([['shop', 'api', 'a1', image('api', 'a')], ['shop', 'late', 'z1', image('late', '6')]]), { clusterArn: apps });
      await settle();
      assert.equal(hook().length, count, 'nothing sent');
      assert.deepEqual(await server.store.alerts.deliveries({ state: 'pending', limit: 5 }), [], 'nothing queued');
      assert.equal((await runCli(['alerts', 'off', '--db', server.database.location])).stdout, 'alerts were off: no destination was registered\n');
    });
  });
}

for (const kind of databaseKinds) {
  describe(`the daily summary on ${kind.name}`, () => {
    it('summarises what opened in the day before it at the time set, once, and not what was recorded silently', async () => {
      const receiver = await startWebhookReceiver(secret);
      const dir = await tempDir();
      const alertsFile = `${dir.path}/alerts.yaml`;
      writeFileSync(alertsFile, [
        'destinations:',
        `  - { name: hook, type: webhook, url: "${receiver.url}/hook", secret: "${secret}", batchWindow: 1s }`,
        'summary: { schedule: daily, at: "08:00" }',
      ].join('\n'));
      const eight = Date.UTC(2026, 11, 7, 8, 0);
      const env = { IMAGESCOPE_ALERTS: alertsFile, ...fastAlerts };
      let server = await startTestServer(kind, { now: eight - 60 * 60_000, env });
      const summaries = () => receiver.events('/hook').filter((e) => e.type === 'io.imagescope.summary');
      try {
        server.clock.now += 1_000;
        await ingest(server, trivyReport([{ id: 'CVE-2024-0005', pkg: 'busybox', version: '1.36.1-r0', severity: 'HIGH' }], '2026-12-07T06:00:00Z'), { image: image('tool', 'e') });
        await ingest(server, podList([['ops', 'idle', 'i1', image('idle', '9')]]), { clusterArn: apps });
        await ingest(server, podList([['ops', 'idle', 'i1', image('idle', '9')], ['ops', 'tool', 't1', image('tool', 'e')]]), { clusterArn: apps });
        server.clock.now += 60_000;
        await eventually(async () => assert.equal(receiver.events('/hook').filter((e) => e.type === 'io.imagescope.exposure.opened').length, 1));
        await settle();
        assert.equal(summaries().length, 0, 'nothing before 08:00');
        server.clock.now = eight + 60_000;
        await eventually(async () => assert.equal(summaries().length, 1));
        const [summary] = summaries();
        assert.deepEqual([summary.data.reason, summary.data.openedSince, summary.data.resolvedSince, summary.data.open.total, summary.data.since], ['daily', 1, 0, 1, '2026-12-06T08:00:00.000Z']);
        assert.equal(summary.data.exposures[0].vulnerabilityId, 'CVE-2024-0005');
        // Another replica, or a restart, the same day: the day's summary is already queued.
        await server.close();
        server = await startTestServer(kind, { database: server.database, now: eight + 2 * 60_000, env });
        server.clock.now += 5_000;
        await settle(1_500);
        assert.equal(summaries().length, 1, 'one summary a day');
      } finally {
        await server.stop();
        await receiver.close();
        await dir.remove();
      }
    });
  });
}
