// The alerts file, checked whole with errors that name the line (never a secret), and `imagescope
// alerts test` (the CLI as a child process) sending a signed sample to a real HTTP receiver started
// here: a webhook's CloudEvent verified with the `standardwebhooks` package (an implementation of the
// spec that is not ours), a Slack message's text and blocks, and a failing receiver's answer.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { AlertsFileError, parseAlertsFile } from '../src/alerts/alerts-file.ts';
import { runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/temp.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

describe('the alerts file', () => {
  it('reads destinations with their defaults, secrets from the environment and filters', () => {
    const config = parseAlertsFile('alerts.yaml', [
      'destinations:',
      '  - name: security-team',
      '    type: webhook',
      '    url: https://hooks.example/imagescope',
      '    secret: env:ALERTS_SECRET',
      '    headers: { X-Team: env:TEAM }',
      '    minSeverity: HIGH',
      '    clusters: ["*prod*"]',
      '    fixAvailableOnly: true',
      '  - name: slack',
      '    type: slack',
      '    url: https://hooks.slack.example/services/T0/B0/x',
      '    events: [io.imagescope.exposure.opened, io.imagescope.summary]',
      '    batchWindow: 2m',
      'summary: { schedule: daily, at: "07:30" }',
    ].join('\n'), { ALERTS_SECRET: secret, TEAM: 'appsec' });
    const [webhook, slack] = config.destinations;
    assert.equal(webhook!.secret.length, 32);
    assert.deepEqual(webhook!.headers, { 'X-Team': 'appsec' });
    assert.equal(webhook!.events.length, 6, 'every event by default');
    assert.deepEqual([webhook!.minSeverity, webhook!.clusters, webhook!.fixAvailableOnly, webhook!.resolveAfterMs, webhook!.cooldownMs, webhook!.batchWindowMs], ['HIGH', ['*prod*'], true, 900_000, 86_400_000, 60_000]);
    assert.deepEqual([slack!.events, slack!.batchWindowMs, slack!.secret.length], [['io.imagescope.exposure.opened', 'io.imagescope.summary'], 120_000, 0]);
    assert.equal(config.summaryAt, '07:30');
  });

  it('rejects a bad file whole, each error with its line, and never repeats a secret', () => {
    const weak = 'whsec_c2hvcnQ=';
    const text = [
      'destinations:',
      '  - name: a',
      '    type: email',
      '    url: ftp://x',
      `    secret: ${weak}`,
      '  - name: a',
      '    type: webhook',
      '    url: https://ok.example',
      '    secret: env:MISSING',
      '    events: [io.imagescope.exposure.closed]',
      '    cooldown: soon',
      '    color: red',
    ].join('\n');
    assert.throws(() => parseAlertsFile('alerts.yaml', text, {}), (error: AlertsFileError) => {
      assert.ok(error instanceof AlertsFileError);
      assert.deepEqual(error.message.split('\n'), [
        'alerts.yaml:3: destinations.0.type: type must be webhook or slack',
        'alerts.yaml:4: destinations.0.url: url must be an http:// or https:// URL',
        'alerts.yaml:5: destinations.0.secret: secret must be whsec_ followed by the base64 of at least 24 random bytes',
        'alerts.yaml:9: destinations.1.secret: secret names env:MISSING, which is not set',
        "alerts.yaml:10: destinations.1.events.0: unknown event 'io.imagescope.exposure.closed': io.imagescope.exposure.opened, io.imagescope.exposure.escalated, io.imagescope.exposure.updated, io.imagescope.exposure.resolved, io.imagescope.feed.stale, io.imagescope.summary",
        'alerts.yaml:11: destinations.1.cooldown: cooldown must be a duration such as 30s, 15m or 24h',
        "alerts.yaml:12: destinations.1.color: unknown key 'color'",
      ]);
      assert.doesNotMatch(error.message, new RegExp(weak.slice(6)));
      return true;
    });
    assert.throws(() => parseAlertsFile('alerts.yaml', 'destinations:\n  - name: x\n    name: y\n', {}), /alerts\.yaml:3: Map keys must be unique/);
  });
});

describe('imagescope alerts test', () => {
  let receiver: Server;
  let url: string;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];

  before(async () => {
    dir = await tempDir();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ path: req.url!, headers: req.headers, body });
        if (req.url === '/down') return void res.writeHead(503, { 'retry-after': '30' }).end('maintenance');
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    writeFileSync(`${dir.path}/alerts.yaml`, [
      'destinations:',
      `  - { name: hook, type: webhook, url: "${url}/hook", secret: env:HOOK_SECRET, headers: { X-Team: appsec } }`,
      `  - { name: slack, type: slack, url: "${url}/slack" }`,
      `  - { name: down, type: webhook, url: "${url}/down", secret: env:HOOK_SECRET }`,
    ].join('\n'));
  });
  after(async () => {
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await dir.remove();
  });

  const send = (destination: string, env: Record<string, string> = { HOOK_SECRET: secret }) =>
    runCli(['alerts', 'test', '--alerts', `${dir.path}/alerts.yaml`, '--destination', destination, '--console-url', 'https://imagescope.example'], { env });

  it('sends a CloudEvent a Standard Webhooks receiver verifies', async () => {
    const result = await send('hook');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'hook (webhook) answered 200: ok\n');
    const request = received.find((r) => r.path === '/hook')!;
    const headers = { 'webhook-id': String(request.headers['webhook-id']), 'webhook-timestamp': String(request.headers['webhook-timestamp']), 'webhook-signature': String(request.headers['webhook-signature']) };
    const event = new Webhook(secret.slice('whsec_'.length)).verify(request.body, headers) as Record<string, any>;
    assert.equal(event.id, headers['webhook-id'], 'the event id is the webhook id');
    assert.deepEqual([event.specversion, event.source, event.type, event.subject, event.data.severity], ['1.0', 'imagescope', 'io.imagescope.exposure.opened', 'CVE-2024-3094', 'CRITICAL']);
    assert.equal(event.data.consoleUrl, 'https://imagescope.example/vulnerabilities/CVE-2024-3094');
    assert.equal(request.headers['content-type'], 'application/cloudevents+json');
    assert.equal(request.headers['x-team'], 'appsec');
    assert.throws(() => new Webhook(Buffer.from(randomBytes(32)).toString('base64')).verify(request.body, headers), 'another secret does not verify');
  });

  it('sends Slack one readable message, and reports a failing receiver with exit 1', async () => {
    assert.equal((await send('slack')).code, 0);
    const message = JSON.parse(received.find((r) => r.path === '/slack')!.body);
    assert.equal(message.text, 'CRITICAL CVE-2024-3094 runs in imagescope-test');
    assert.match(message.blocks[0].text.text, /imagescope-test\/Deployment\/a-sample-only \(1 running\)/);
    assert.match(message.blocks[1].elements[0].text, /A fix is available · <https:\/\/imagescope\.example\/vulnerabilities\/CVE-2024-3094\|open in imagescope>/);
    const down = await send('down');
    assert.equal(down.code, 1);
    assert.equal(down.stdout, 'down (webhook) answered 503: maintenance\n');
  });

  it('refuses an unknown destination or a broken file with exit 2, before sending anything', async () => {
    const before = received.length;
    const unknown = await send('nope');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /has no destination named 'nope'/);
    const unset = await send('hook', {});
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /alerts\.yaml:2: destinations\.0\.secret: secret names env:HOOK_SECRET, which is not set/);
    assert.equal(received.length, before);
  });
});
