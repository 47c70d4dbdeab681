// Delivering alerts at least once, on both stores: a receiver double scripts its answers per
// destination (each destination hears about its own cluster). 500 twice then 200 is delivered once
// under one webhook-id; 429 with Retry-After waits; 400 is dead until it is delivered again; a hung
// receiver is cut at the timeout and never delays another destination; a server killed between send
// and commit sends again with the same id; Slack gets one readable message at most once a second; and
// two replicas on PostgreSQL send each event once.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from './helpers/databases.ts';
import { startServeProcess } from './helpers/cli.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { account, eksCluster, fastAlerts, image, ingest, podList, secret, settle, trivyReport } from './helpers/alert-world.ts';
import { tempDir } from './helpers/temp.ts';
import { eventually } from './helpers/watcher.ts';
import { startWebhookReceiver, type WebhookReceiver } from './doubles/webhook-receiver.ts';

const destinations = ['flaky', 'throttled', 'broken', 'hung', 'crash', 'replicas'] as const;

for (const kind of databaseKinds) {
  describe(`alert delivery on ${kind.name}`, () => {
    let receiver: WebhookReceiver;
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let server: TestServer;
    let alertsFile: string;
    const env = () => ({ IMAGESCOPE_ALERTS: alertsFile, IMAGESCOPE_ALERT_TIMEOUT_MS: '2000', ...fastAlerts });
    let serial = 0;

    /** A vulnerable image starts running in the destination's own cluster (known already, so it is news). */
    async function openExposure(target: Pick<TestServer, 'url'>, cluster: string): Promise<void> {
      const c = (++serial).toString(16);
      await ingest(target, trivyReport([{ id: `CVE-2025-${1000 + serial}`, pkg: 'openssl', version: '3.1.0-r0', severity: 'CRITICAL', fixed: '3.1.4-r0' }], '2026-12-01T00:00:00Z'), { image: image(`app-${c}`, c) });
      await ingest(target, podList([['ops', 'clean', 'x', image('clean', '0')]]), { clusterArn: eksCluster(cluster) });
      await ingest(target, podList([['ops', 'clean', 'x', image('clean', '0')], ['shop', `app-${c}`, 'p1', image(`app-${c}`, c)]]), { clusterArn: eksCluster(cluster) });
    }
    const requestsTo = (path: string) => receiver.requests.filter((r) => r.path === path);

    before(async () => {
      receiver = await startWebhookReceiver(secret);
      dir = await tempDir();
      alertsFile = `${dir.path}/alerts.yaml`;
      writeFileSync(alertsFile, [
        'destinations:',
        ...destinations.map((name) => `  - { name: ${name}, type: webhook, url: "${receiver.url}/${name}", secret: "${secret}", clusters: ["*/${name}"], batchWindow: 100ms }`),
        `  - { name: steady, type: webhook, url: "${receiver.url}/steady", secret: "${secret}", batchWindow: 100ms, events: [io.imagescope.exposure.opened] }`,
        `  - { name: slack, type: slack, url: "${receiver.url}/slack", clusters: ["*/slack"], batchWindow: 100ms }`,
      ].join('\n'));
      server = await startTestServer(kind, { env: env() });
    });
    after(async () => {
      await server.stop();
      await receiver.close();
      await dir.remove();
    });

    it('retries 500 twice, then delivers once: three requests under one webhook-id', async () => {
      receiver.script('/flaky', [{ status: 500, body: 'oops' }, { status: 503 }]);
      await openExposure(server, 'flaky');
      await eventually(async () => assert.equal(receiver.events('/flaky').length, 1));
      const attempts = requestsTo('/flaky');
      assert.deepEqual(attempts.map((r) => r.answered), [500, 503, 200]);
      assert.equal(new Set(attempts.map((r) => r.headers['webhook-id'])).size, 1, 'the same id on every retry');
      assert.ok(attempts[2]!.at - attempts[0]!.at >= 150, 'backed off between attempts');
      // The answer is recorded once the relay has read it.
      await eventually(async () => {
        const [delivery] = await server.store.alerts.deliveries({ destination: 'flaky', limit: 10 });
        assert.deepEqual([delivery!.state, delivery!.attempts, delivery!.last_status], ['delivered', 3, 200]);
      });
    });

    it('waits as long as a 429\'s Retry-After says', async () => {
      receiver.script('/throttled', [{ status: 429, headers: { 'retry-after': '1' } }]);
      await openExposure(server, 'throttled');
      await eventually(async () => assert.equal(receiver.events('/throttled').length, 1));
      const [first, second] = requestsTo('/throttled');
      assert.ok(second!.at - first!.at >= 1_000, `waited ${second!.at - first!.at} ms`);
    });

    it('marks a 400 dead, shows it on /alerts and its API, and delivers it again from there', async () => {
      receiver.script('/broken', [{ status: 400, body: 'bad payload' }]);
      await openExposure(server, 'broken');
      await eventually(async () => assert.equal((await server.store.alerts.deliveries({ destination: 'broken', state: 'dead', limit: 10 })).length, 1));
      await settle(500);
      assert.equal(requestsTo('/broken').length, 1, 'a 400 is not retried');
      const api = await (await fetch(`${server.url}/api/v1/alerts/deliveries?accountId=${account}&destination=broken`)).json() as any;
      assert.deepEqual(api.deliveries.map((d: any) => [d.state, d.attempts, d.lastStatus, d.lastAnswer]), [['dead', 1, 400, 'HTTP 400: bad payload']]);
      assert.equal(api.destinations.find((d: any) => d.name === 'broken').host, receiver.url, 'a URL by its host alone');
      // Shown on /alerts with a "Deliver again" form, which sends it again.
      const page = await fetch(`${server.url}/alerts?accountId=${account}`);
      const text = await page.text();
      const csrfCookie = page.headers.getSetCookie().find((c) => c.startsWith('imagescope_csrf='))!.split(';')[0]!;
      const form = new RegExp(`<form method="post" action="/alerts/deliver-again\\?accountId=${account}"><input type="hidden" name="csrf" value="([^"]+)"><input type="hidden" name="destination" value="broken"><input type="hidden" name="messageId" value="([^"]+)">`).exec(text);
      assert.ok(form, 'the dead delivery has a Deliver again form');
      const post = (csrf: string) => fetch(`${server.url}/alerts/deliver-again?accountId=${account}`, { method: 'POST', redirect: 'manual', headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, destination: 'broken', messageId: form[2]! }).toString() });
      assert.equal((await post('forged')).status, 403, 'a form without the CSRF token is refused');
      const again = await post(form[1]!);
      assert.deepEqual([again.status, again.headers.get('location')], [303, `/alerts?accountId=${account}`]);
      await eventually(async () => assert.equal(receiver.events('/broken').length, 1));
      assert.equal(requestsTo('/broken')[1]!.headers['webhook-id'], requestsTo('/broken')[0]!.headers['webhook-id']);
    });

    it('cuts a hung receiver at the timeout, and another destination does not wait for it', async () => {
      receiver.script('/hung', ['hang']);
      const started = Date.now();
      await openExposure(server, 'hung');
      // steady hears about every cluster: its copy of the same event arrives while hung hangs.
      const event = await eventually(async () => {
        const found = receiver.events('/steady').find((e) => e.data.cluster === eksCluster('hung'));
        assert.ok(found, 'steady has the event');
        return found;
      });
      const steadyAt = receiver.requests.find((r) => (r.verified as any)?.id === event.id && r.path === '/steady')!.at;
      await eventually(async () => assert.equal(receiver.events('/hung').length, 1));
      const [cut, retried] = requestsTo('/hung');
      assert.deepEqual([cut!.answered, retried!.answered], ['hang', 200]);
      assert.ok(steadyAt < retried!.at, 'steady was sent while hung hung');
      assert.equal(receiver.events('/hung')[0].id, event.id, 'one event, one id, whichever destination');
      await eventually(async () => {
        const [delivery] = await server.store.alerts.deliveries({ destination: 'hung', limit: 1 });
        assert.deepEqual([delivery!.attempts, delivery!.state], [2, 'delivered']);
      });
      assert.ok(retried!.at - started >= 2_000, 'the first attempt was cut at the timeout');
    });

    it('a server killed between send and commit sends again, with the same id', async () => {
      await server.close();
      receiver.script('/crash', ['hang']);
      const child = await startServeProcess(['--port', '0', '--db', server.database.location], { ...env(), IMAGESCOPE_ALERT_LEASE_MS: '1000', IMAGESCOPE_ALERT_TIMEOUT_MS: '60000' });
      try {
        await openExposure(child, 'crash');
        await eventually(async () => assert.equal(requestsTo('/crash').length, 1));
      } finally {
        child.child.kill('SIGKILL');
      }
      server = await startTestServer(kind, { database: server.database, env: env() });
      await eventually(async () => assert.equal(receiver.events('/crash').length, 1));
      const [sent, resent] = requestsTo('/crash');
      assert.equal(resent!.headers['webhook-id'], sent!.headers['webhook-id']);
      assert.equal(resent!.body, sent!.body, 'the same bytes');
    });

    it('sends Slack one readable message per batch, at most one a second', async () => {
      receiver.script('/slack', [{ status: 500 }]);
      await openExposure(server, 'slack');
      await eventually(async () => assert.equal(requestsTo('/slack').filter((r) => r.answered === 200).length, 1));
      const [failed, sent] = requestsTo('/slack');
      // Posts start a second apart; the receiver sees each a few milliseconds into it.
      assert.ok(sent!.at - failed!.at >= 950, `a second between posts, whatever the backoff says (${sent!.at - failed!.at} ms)`);
      const message = JSON.parse(sent!.body);
      assert.match(message.text, /^CRITICAL CVE-2025-\d+ runs in slack$/);
      assert.match(message.blocks[0].text.text, /• shop\/Deployment\/app-\w+ \(1 running\)/);
      assert.match(message.blocks[1].elements[0].text, /^A fix is available · <http:\/\/127\.0\.0\.1:\d+\/vulnerabilities\/CVE-2025-\d+\|open in imagescope>$/);
      assert.equal(sent!.headers['webhook-signature'], undefined, 'Slack messages are not signed');
    });

    if (kind.name === 'postgres') {
      it('two replicas send each event once', async () => {
        const second = await startTestServer(kind, { database: server.database, env: env() });
        try {
          for (let i = 0; i < 5; i++) await openExposure(i % 2 ? second : server, 'replicas');
          await eventually(async () => assert.equal(new Set(receiver.events('/replicas').map((e) => e.id)).size, 5));
          await settle(1_000);
          assert.equal(receiver.events('/replicas').length, 5, 'no event twice');
        } finally {
          await second.close();
        }
      });
    }
  });
}
