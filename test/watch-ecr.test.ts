// `imagescope watch ecr` as a child process against the ECR API double, driven by the real
// @aws-sdk/client-ecr (reached through AWS_ENDPOINT_URL_ECR): the running ECR images' scans read every
// page, basic and enhanced findings stored from source `ecr` (enhanced ones in Inspector's shape), a
// scan in progress taken when it completes, failures and ScanNotFound recorded as coverage's status
// without dropping findings, throttling retried, AccessDenied naming the action while the others go
// on, a quiet poll writing nothing; to a store and through a server. Checked with the real Inspector2
// SDK client (ListFindings, ListCoverage).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { paginateListCoverage, paginateListFindings, type CoveredResource, type Finding } from '@aws-sdk/client-inspector2';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { sharedFixture } from './helpers/fixtures.ts';
import { ingestViaEndpoint, inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';
import { eventually, startWatcher, type WatcherProcess } from './helpers/watcher.ts';
import { startEcrApiDouble, type EcrApiDouble } from './doubles/ecr-api.ts';

const account = '111122223333';
const region = 'us-west-2';
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const resourceId = (repo: string, c: string) => `arn:aws:ecr:${region}:${account}:repository/${repo}/${digest(c)}`;
const awsEnv = (url: string) => ({ AWS_ENDPOINT_URL_ECR: url, AWS_ACCESS_KEY_ID: 'AKIDWATCHER', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });
const fixture = (name: string) => JSON.parse(readFileSync(sharedFixture(`ecr/${name}`), 'utf8'));

// repository, digest letter: the images that run (as ECS tasks), each with a scan set below.
const running: [string, string][] = [['web', 'a'], ['api', 'b'], ['worker', 'c'], ['batch', 'd'], ['fresh', 'e'], ['locked', 'f']];

async function findingsOf(server: TestServer, id: string): Promise<Finding[]> {
  const out: Finding[] = [];
  for await (const page of paginateListFindings({ client: inspector2Client(server.url) }, { filterCriteria: { ecrImageHash: [{ comparison: 'EQUALS', value: id.slice(-71) }], findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }] } })) out.push(...(page.findings ?? []));
  return out.filter((f) => f.resources?.[0]?.id === id);
}

async function coverageOf(server: TestServer): Promise<Record<string, string>> {
  const out: CoveredResource[] = [];
  for await (const page of paginateListCoverage({ client: inspector2Client(server.url) }, { filterCriteria: { resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }] } })) out.push(...(page.coveredResources ?? []));
  return Object.fromEntries(out.map((r) => [r.resourceId!.split('/')[1], `${r.scanStatus!.statusCode}/${r.scanStatus!.reason}`]));
}

for (const kind of databaseKinds) {
  describe(`imagescope watch ecr on ${kind.name}`, () => {
    let ecr: EcrApiDouble;
    let server: TestServer;
    let watcher: WatcherProcess;
    const polls = () => watcher.logs().filter((l) => l.msg === 'polled');
    const start = (sink: string[] = ['--db', server.database.location]) =>
      startWatcher(['ecr', '--region', region, '--interval', '1s', '--account-id', account, '--health-port', '0', ...sink], awsEnv(ecr.url));

    before(async () => {
      ecr = await startEcrApiDouble({ accountId: account });
      ecr.setPageSize(1);
      for (const [repo, c] of running) ecr.putImage(repo, { digest: digest(c), tags: ['1'], region });
      const basic = fixture('describe-image-scan-findings-basic.json').imageScanFindings;
      ecr.setScan('web', digest('a'), { status: 'COMPLETE', completedAt: new Date(Date.now() - 3_600_000), findings: basic.findings }, region);
      ecr.setScan('api', digest('b'), { status: 'ACTIVE', enhancedFindings: fixture('describe-image-scan-findings-enhanced.json').imageScanFindings.enhancedFindings }, region);
      ecr.setScan('worker', digest('c'), { status: 'IN_PROGRESS' }, region);
      ecr.setScan('batch', digest('d'), { status: 'FAILED', description: 'UnsupportedImageError: The operating system and/or package manager are not supported.' }, region);
      // fresh: pushed, never scanned (ScanNotFoundException); locked: AccessDenied below.
      ecr.setScan('locked', digest('f'), { status: 'COMPLETE', completedAt: new Date(), findings: basic.findings }, region);
      server = await startTestServer(kind);
      const tasks = running.map(([repo, c]) => ecsTaskEvent({ cluster: 'prod', task: repo, image: `${account}.dkr.ecr.${region}.amazonaws.com/${repo}:1`, digest: digest(c), time: new Date().toISOString() }));
      // An image of another registry runs too: ECR is never asked about it.
      tasks.push(ecsTaskEvent({ cluster: 'prod', task: 'hub', image: 'nginx:1.27', digest: digest('9'), time: new Date().toISOString() }));
      assert.equal((await ingestViaEndpoint(server.url, jsonLines(tasks))).status, 200);
    });
    after(async () => {
      watcher?.child.kill('SIGKILL');
      await server.stop();
      await ecr.close();
    });

    it('stores basic and enhanced scans of the running images from source ecr, every page, and records what failed', async () => {
      ecr.injectError({ operation: 'DescribeImageScanFindings', repositoryName: 'locked', region }, 'AccessDeniedException', 1_000);
      ecr.injectError({ operation: 'DescribeImageScanFindings', repositoryName: 'web', region }, 'ThrottlingException', 1);
      watcher = start();
      await watcher.waitForLog((l) => l.msg === 'polled');
      const web = await findingsOf(server, resourceId('web', 'a'));
      assert.deepEqual(web.map((f) => `${f.packageVulnerabilityDetails!.vulnerabilityId} ${f.packageVulnerabilityDetails!.vulnerablePackages![0]!.name}@${f.packageVulnerabilityDetails!.vulnerablePackages![0]!.version} ${f.severity}`), ['CVE-2019-5188 e2fsprogs@1.44.1-1ubuntu1.1 MEDIUM']);
      assert.equal(web[0]!.packageVulnerabilityDetails!.sourceUrl, 'http://people.ubuntu.com/~ubuntu-security/cve/CVE-2019-5188');
      const api = await findingsOf(server, resourceId('api', 'b'));
      assert.deepEqual(api.map((f) => `${f.packageVulnerabilityDetails!.vulnerabilityId} ${f.severity}`).sort(), ['CVE-2024-9681 MEDIUM', 'CVE-2025-24528 UNTRIAGED'].sort());
      const curl = api.find((f) => f.packageVulnerabilityDetails!.vulnerabilityId === 'CVE-2024-9681')!;
      assert.equal(curl.packageVulnerabilityDetails!.source, 'DEBIAN_CVE', 'enhanced findings keep Inspector\'s details');
      assert.equal(curl.packageVulnerabilityDetails!.cvss![0]!.scoringVector, 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:L');
      assert.ok(ecr.calls.some((c) => c.input.repositoryName === 'web' && c.input.nextToken === undefined) && ecr.calls.filter((c) => c.input.repositoryName === 'api').length >= 2, 'followed the pages');
      assert.ok(!ecr.calls.some((c) => c.input.repositoryName?.includes('nginx')), 'another registry\'s image is not asked about');
      await eventually(async () => assert.deepEqual(await coverageOf(server), {
        'web': 'ACTIVE/SUCCESSFUL', 'api': 'ACTIVE/SUCCESSFUL', 'worker': 'INACTIVE/PENDING_INITIAL_SCAN', 'batch': 'INACTIVE/UNSUPPORTED_OS',
        'fresh': 'INACTIVE/PENDING_INITIAL_SCAN', 'locked': 'INACTIVE/PENDING_INITIAL_SCAN', 'docker.io': 'INACTIVE/PENDING_INITIAL_SCAN',
      }));
      const denied = await watcher.waitForLog((l) => /^permission missing/.test(l.msg ?? ''));
      assert.equal(denied.msg, 'permission missing: ecr:DescribeImageScanFindings (see deploy/aws/ecr-watcher-policy.json)');
      assert.equal(denied.image, resourceId('locked', 'f'));
    });

    it('writes nothing when nothing changed, and takes a scan when it completes', async () => {
      const seen = polls().length;
      await watcher.waitForLog(() => polls().length > seen + 1, 10_000);
      const quiet = polls().at(-1)!;
      assert.equal(quiet.written, 0, 'a quiet poll writes nothing');
      assert.equal(quiet.unchanged, 4, 'web, api, batch and fresh are unchanged; worker is in progress; locked is denied');
      ecr.setScan('worker', digest('c'), { status: 'COMPLETE', completedAt: new Date(), findings: fixture('describe-image-scan-findings-basic.json').imageScanFindings.findings }, region);
      await eventually(async () => assert.equal((await findingsOf(server, resourceId('worker', 'c'))).length, 1));
      assert.equal((await coverageOf(server)).worker, 'ACTIVE/SUCCESSFUL');
    });

    it('keeps an image\'s findings when its next scan fails, and reads again through a server with --endpoint', async () => {
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
      ecr.setScan('web', digest('a'), { status: 'SCAN_ELIGIBILITY_EXPIRED' }, region);
      watcher = start(['--endpoint', server.url]);
      await watcher.waitForLog((l) => l.msg === 'polled');
      assert.equal((await findingsOf(server, resourceId('web', 'a'))).length, 1, 'a failed scan drops nothing');
      assert.equal((await coverageOf(server)).web, 'ACTIVE/SUCCESSFUL', 'its scan is still current');
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
    });
  });
}
