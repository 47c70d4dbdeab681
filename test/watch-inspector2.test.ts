// `imagescope watch inspector2` as a child process reading a second imagescope through the real
// @aws-sdk/client-inspector2 (AWS_ENDPOINT_URL_INSPECTOR2, as a user would point it at Inspector or at
// another imagescope): a full sweep first, then windows of recent updates; ACTIVE findings stored by
// their findingArn, a finding closed at the source closed here, a new one arriving in the next window;
// to a store and through a server. Checked by walking ListFindings of both.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { paginateListFindings, type Finding } from '@aws-sdk/client-inspector2';
import { databaseKinds } from './helpers/databases.ts';
import { sharedFixture } from './helpers/fixtures.ts';
import { ingestViaEndpoint, inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';
import { eventually, startWatcher, type WatcherProcess } from './helpers/watcher.ts';

const account = '111122223333';
const fixture = () => JSON.parse(readFileSync(sharedFixture('inspector2/list-findings-many.json'), 'utf8'));
// The source imagescope takes the account from the signing key id (it runs with --auth none).
const sourceEnv = (url: string) => ({ AWS_ENDPOINT_URL_INSPECTOR2: url, AWS_ACCESS_KEY_ID: account, AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });

/** Every finding of the server's account, as `arn status`, sorted. */
async function findingStates(server: TestServer): Promise<string[]> {
  const out: Finding[] = [];
  for await (const page of paginateListFindings({ client: inspector2Client(server.url) }, {})) out.push(...(page.findings ?? []));
  return out.map((f) => `${f.findingArn} ${f.status}`).sort();
}

for (const kind of databaseKinds) {
  describe(`imagescope watch inspector2 on ${kind.name}`, () => {
    let source: TestServer;
    let target: TestServer;
    let watcher: WatcherProcess;
    const polls = () => watcher.logs().filter((l) => l.msg === 'polled');
    const start = (sink: string[] = ['--db', target.database.location]) =>
      startWatcher(['inspector2', '--interval', '1s', '--account-id', account, '--health-port', '0', ...sink], sourceEnv(source.url));

    before(async () => {
      source = await startTestServer(databaseKinds[0]);
      target = await startTestServer(kind);
      assert.equal((await ingestViaEndpoint(source.url, JSON.stringify(fixture()))).status, 200);
    });
    after(async () => {
      watcher?.child.kill('SIGKILL');
      await Promise.all([source.stop(), target.stop()]);
    });

    it('sweeps every finding of every status first, each under its findingArn', async () => {
      const expected = await findingStates(source);
      // 7 ECR findings (the EC2 one is no image); CVE-2022-29824's lists two packages, one finding each.
      assert.equal(expected.length, 8);
      assert.ok(expected.some((f) => f.endsWith(' CLOSED')));
      watcher = start();
      await watcher.waitForLog((l) => l.msg === 'polled' && l.sweep === 'full');
      assert.deepEqual(await findingStates(target), expected);
    });

    it('then reads windows of recent updates: a finding closed at the source closes, a new one arrives', async () => {
      const report = fixture();
      const closing = structuredClone(report.findings[1]);
      Object.assign(closing, { status: 'CLOSED', updatedAt: new Date().toISOString() });
      const fresh = structuredClone(report.findings[2]);
      fresh.packageVulnerabilityDetails.vulnerabilityId = 'CVE-2026-0001';
      Object.assign(fresh, { findingArn: 'arn:aws:inspector2:us-east-1:012345678901:finding/ffff7f625ee77ac186869f906eb73366', title: 'CVE-2026-0001 - linux', updatedAt: new Date().toISOString(), firstObservedAt: new Date().toISOString() });
      assert.equal((await ingestViaEndpoint(source.url, JSON.stringify({ findings: [closing, fresh] }))).status, 200);
      await eventually(async () => {
        const states = await findingStates(target);
        assert.ok(states.includes(`${closing.findingArn} CLOSED`), 'closed here too');
        assert.ok(states.includes(`${fresh.findingArn} ACTIVE`), 'the new finding arrived');
        assert.deepEqual(states, await findingStates(source));
      });
      assert.ok(polls().some((l) => l.sweep === 'window'), 'read by a window, not a sweep');
    });

    it('writes through a running server with --endpoint, and a restart sweeps again', async () => {
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
      const other = await startTestServer(databaseKinds[0]);
      try {
        watcher = start(['--endpoint', other.url]);
        await watcher.waitForLog((l) => l.msg === 'polled' && l.sweep === 'full');
        assert.deepEqual(await findingStates(other), await findingStates(source));
        watcher.child.kill('SIGTERM');
        assert.equal(await watcher.exit(), 0);
      } finally {
        await other.stop();
      }
    });
  });
}
