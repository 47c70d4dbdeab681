// `imagescope scan` and `imagescope watch scan` as child processes, with a stand-in scanner program
// (test/fixtures/scanner) that prints the real Trivy and Grype reports of ../shared/fixtures for the
// reference it is given: which running images are scanned (missing, stale), by which reference and
// argument vector (no shell), at most --parallel at once; reports stored on the running digest;
// failures, garbage and timeouts recorded as coverage's status; SIGTERM letting a running scan end;
// to a store and through a server. Checked with the real Inspector2 SDK client and the console API.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { paginateListCoverage, paginateListFindings, type Finding } from '@aws-sdk/client-inspector2';
import { runCli } from './helpers/cli.ts';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { sharedFixture } from './helpers/fixtures.ts';
import { ingestViaEndpoint, inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';
import { tempDir } from './helpers/temp.ts';
import { startWatcher } from './helpers/watcher.ts';

const account = '111122223333';
const registry = `${account}.dkr.ecr.us-west-2.amazonaws.com`;
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const ecrId = (repo: string, c: string) => `arn:aws:ecr:us-west-2:${account}:repository/${repo}/${digest(c)}`;
const standIn = fileURLToPath(new URL('./fixtures/scanner/stand-in-scanner.mjs', import.meta.url));
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

interface Call { scanner: string; args: string[]; reference: string; started: number; ended: number }

async function activeFindings(server: TestServer, id: string): Promise<Finding[]> {
  const out: Finding[] = [];
  for await (const page of paginateListFindings({ client: inspector2Client(server.url) }, { filterCriteria: { ecrImageHash: [{ comparison: 'EQUALS', value: id.slice(-71) }], findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }] } })) out.push(...(page.findings ?? []));
  return out.filter((f) => f.resources?.[0]?.id === id);
}

async function coverage(server: TestServer): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const page of paginateListCoverage({ client: inspector2Client(server.url) }, { filterCriteria: { resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }] } })) {
    for (const r of page.coveredResources ?? []) out[r.resourceId!.split('/').slice(1, -1).join('/')] = r.scanStatus!.reason!;
  }
  return out;
}

const severities = (findings: Finding[]) => findings.reduce<Record<string, number>>((n, f) => ({ ...n, [f.severity!]: (n[f.severity!] ?? 0) + 1 }), {});

for (const kind of databaseKinds) {
  describe(`imagescope scan on ${kind.name}`, () => {
    let server: TestServer;
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let log: string;
    const calls = (): Call[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
    const env = (extra: Record<string, string> = {}) => ({
      STAND_IN_LOG: log,
      STAND_IN_TRIVY_REPORT: sharedFixture('trivy/alpine-39.json'),
      STAND_IN_GRYPE_REPORT: sharedFixture('grype/presenter-image.json'),
      STAND_IN_SLOW_MS: '1500',
      PATH: `${dir.path}/bin:${process.env.PATH}`,
      ...extra,
    });
    const scan = (args: string[], extra: Record<string, string> = {}) =>
      runCli(['scan', '--db', server.database.location, '--account-id', account, ...args], { env: env(extra) });
    const standInCommand = (scanner: 'trivy' | 'grype') => ['--scanner-command', scanner === 'trivy' ? `node ${standIn} trivy image --format json --quiet {image}` : `node ${standIn} grype {image} -o json`];

    before(async () => {
      server = await startTestServer(kind);
      dir = await tempDir();
      log = `${dir.path}/calls.jsonl`;
      // `trivy` and `grype` on PATH are the stand-in, as a user's would be the real ones.
      mkdirSync(`${dir.path}/bin`);
      for (const scanner of ['trivy', 'grype']) {
        const path = `${dir.path}/bin/${scanner}`;
        writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${standIn}" ${scanner} "$@"\n`);
        chmodSync(path, 0o755);
      }
      const now = new Date().toISOString();
      const tasks = [
        ecsTaskEvent({ cluster: 'prod', task: 'shop', image: `${registry}/shop:1`, digest: digest('a'), time: now }),
        ecsTaskEvent({ cluster: 'prod', task: 'hub', image: 'nginx:1.27', digest: digest('b'), time: now }),
        ecsTaskEvent({ cluster: 'prod', task: 'api', image: `${registry}/api:1`, digest: digest('c'), time: now }),
        ecsTaskEvent({ cluster: 'prod', task: 'old', image: `${registry}/old:1`, digest: digest('d'), time: now }),
        ecsTaskEvent({ cluster: 'prod', task: 'broken', image: `${registry}/broken:1`, digest: digest('e'), time: now }),
        ecsTaskEvent({ cluster: 'prod', task: 'gone', image: `${registry}/gone:1`, digest: digest('f'), time: daysAgo(3), status: 'STOPPED' }),
      ];
      assert.equal((await ingestViaEndpoint(server.url, jsonLines(tasks))).status, 200);
      // api has a current scan; old's is 30 days old.
      const report = JSON.parse(readFileSync(sharedFixture('trivy/alpine-39.json'), 'utf8'));
      for (const [repo, c, createdAt] of [['api', 'c', now], ['old', 'd', daysAgo(30)]] as const) {
        const file = `${dir.path}/${repo}.json`;
        writeFileSync(file, JSON.stringify({ ...report, CreatedAt: createdAt }));
        assert.equal((await runCli(['ingest', '--db', server.database.location, '--account-id', account, '--image', ecrId(repo, c), file])).code, 0);
      }
    });
    after(async () => {
      await server.stop();
      await dir.remove();
    });

    it('scans the running images with no scan, by their digest reference, without a shell, and records a failure', async () => {
      const result = await scan(standInCommand('trivy'));
      assert.equal(result.code, 1, 'a scan failed: exit 1');
      const scanned = calls().map((c) => c.reference).sort();
      assert.deepEqual(scanned, [`${registry}/broken@${digest('e')}`, `${registry}/shop@${digest('a')}`, `docker.io/library/nginx@${digest('b')}`]);
      assert.deepEqual(calls()[0]!.args.slice(0, 4), ['image', '--format', 'json', '--quiet']);
      // The report is stored on the running digest, as alpine-39.json's findings (2 critical, 4 medium).
      assert.deepEqual(severities(await activeFindings(server, ecrId('shop', 'a'))), { CRITICAL: 2, MEDIUM: 4 });
      const cov = await coverage(server);
      assert.equal(cov.shop, 'SUCCESSFUL');
      assert.equal(cov['docker.io/library/nginx'], 'SUCCESSFUL');
      assert.equal(cov.broken, 'ACCESS_DENIED', 'the registry refused: coverage says so');
      assert.equal(cov.old, 'STALE_INVENTORY', 'not scanned without --stale');
      const api = await (await fetch(`${server.url}/api/v1/coverage?accountId=${account}&state=SCAN_FAILED`)).json() as { items: { repository: string; scanFailure: { source: string; reason: string; detail: string } }[] };
      assert.deepEqual(api.items.map((i) => [i.repository, i.scanFailure.source, i.scanFailure.reason]), [['broken', 'node', 'ACCESS_DENIED']]);
      assert.match(api.items[0]!.scanFailure.detail, /exit code 1: .*UNAUTHORIZED: authentication required/);
    });

    it('--stale with Grype (found on PATH) scans only the out-of-date image, with Grype\'s arguments', async () => {
      writeFileSync(log, '');
      const result = await scan(['--stale', '--scanner', 'grype']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(calls().map((c) => [c.scanner, c.args]), [['grype', [`${registry}/old@${digest('d')}`, '-o', 'json']]]);
      assert.equal((await coverage(server)).old, 'SUCCESSFUL');
      // Grype's presenter-image.json (1 critical, 1 low) beside the old Trivy report's (2 critical, 4
      // medium): a source's findings close only by a newer report of the same source.
      assert.deepEqual(severities(await activeFindings(server, ecrId('old', 'd'))), { CRITICAL: 3, MEDIUM: 4, LOW: 1 });
    });

    it('runs at most --parallel scans at once and cuts one off at --timeout; a report it cannot read is a failure', async () => {
      const now = new Date().toISOString();
      const slow = ['slow', 'slow-2', 'slow-3'].map((name, i) => ecsTaskEvent({ cluster: 'prod', task: name, image: `${registry}/slow:${i}`, digest: digest(String(i + 1)), time: now }));
      slow.push(ecsTaskEvent({ cluster: 'prod', task: 'garbage', image: `${registry}/garbage:1`, digest: digest('7'), time: now }));
      assert.equal((await ingestViaEndpoint(server.url, jsonLines(slow))).status, 200);
      writeFileSync(log, '');
      const result = await scan(['--scanner', 'trivy', '--parallel', '2', '--timeout', '1s']);
      assert.equal(result.code, 1);
      const ran = calls();
      for (const call of ran) assert.ok(ran.filter((other) => other.started < call.ended && other.ended > call.started).length <= 2, 'never more than two at once');
      const statuses = (await (await fetch(`${server.url}/api/v1/coverage?accountId=${account}&state=SCAN_FAILED`)).json() as { items: { repository: string; scanFailure: { detail: string } }[] }).items;
      const detailOf = (repo: string) => statuses.find((s) => s.repository === repo)?.scanFailure.detail ?? '';
      assert.match(detailOf('slow'), /timed out after 1 s/, JSON.stringify({ statuses, stderr: result.stderr.slice(-2000) }));
      assert.match(detailOf('garbage'), /printed no report imagescope reads/);
    });

    it('watch scan: SIGTERM lets the running scan end and store its report, then exits 0; --endpoint works the same', async () => {
      const now = new Date().toISOString();
      assert.equal((await ingestViaEndpoint(server.url, jsonLines([ecsTaskEvent({ cluster: 'prod', task: 'late', image: `${registry}/slow:9`, digest: digest('9'), time: now })]))).status, 200);
      writeFileSync(log, '');
      const watcher = startWatcher(['scan', '--endpoint', server.url, '--account-id', account, '--interval', '1h', '--timeout', '30s', '--parallel', '8'], env());
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
      assert.ok(calls().some((c) => c.reference === `${registry}/slow@${digest('9')}`), 'the scan had started and ran to its end');
      assert.equal((await activeFindings(server, ecrId('slow', '9'))).length, 6);
    });

    it('refuses a --scanner-command a shell would be needed for, or one without {image}', async () => {
      for (const [command, message] of [
        [`trivy image {image} | tee out`, /runs without a shell: '\{"op":"\|"\}'/],
        ['trivy image --format json', /must name the image as \{image\}/],
      ] as const) {
        const result = await scan(['--scanner-command', command]);
        assert.equal(result.code, 2);
        assert.match(result.stderr, message);
      }
    });
  });
}
