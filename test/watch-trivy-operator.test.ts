// trivy-operator's VulnerabilityReports read by `imagescope watch kubernetes` (a child process) from the
// Kubernetes API double, driven by the real @kubernetes/client-node: digests resolved from the
// workload's own pods (a Deployment's ReplicaSet, a hashed workload name), stale reports skipped,
// resends and shared images written once, TTL deletions keeping findings, the CRD absent (auto and on),
// 403 and 410; checked through the real Inspector2 SDK client, on both stores and through a server.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { paginateListFindings, type Finding } from '@aws-sdk/client-inspector2';
import { parse as parseYaml } from 'yaml';
import { runCli } from './helpers/cli.ts';
import { databaseKinds } from './helpers/databases.ts';
import { sharedFixture } from './helpers/fixtures.ts';
import { inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';
import { tempDir } from './helpers/temp.ts';
import { eventually, startWatcher, type WatcherProcess } from './helpers/watcher.ts';
import { kubeconfigFor, startKubernetesApiDouble, type KubernetesApiDouble } from './doubles/kubernetes-api.ts';

const account = '111122223333';
const apps = `arn:aws:eks:us-west-2:${account}:cluster/apps`;
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const nginxImage = (c: string) => `arn:aws:ecr:us-west-2:${account}:repository/docker.io/library/nginx/sha256:${c.repeat(64)}`;
const longName = `payments-reconciliation-worker-with-a-name-longer-than-a-label-${'x'.repeat(8)}`;

const fixture = (path: string) => {
  const text = readFileSync(sharedFixture(`trivy-operator/${path}`), 'utf8');
  return path.endsWith('.yaml') ? parseYaml(text) : JSON.parse(text);
};

/** A running pod of `owner` whose container `nginx` was started from `image` and runs `digest`. */
function pod(namespace: string, name: string, owner: { kind: string; name: string }, image: string, imageDigest: string) {
  return {
    metadata: { name, namespace, ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: `${owner.name}-uid`, controller: true }] },
    spec: { containers: [{ name: 'nginx', image }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'nginx', image, imageID: `docker.io/library/nginx@${imageDigest}`, ready: true, restartCount: 0, state: { running: { startedAt: new Date().toISOString() } } }] },
  };
}

/** A copy of a fixture report as the operator would write it for another workload. */
function reportFor(base: any, name: string, labels: Record<string, string>, annotations?: Record<string, string>) {
  const report = structuredClone(base);
  report.metadata = { name, namespace: 'default', labels: { ...labels }, ...(annotations && { annotations }) };
  return report;
}

/** ACTIVE findings of one image, as `vulnerabilityId package@version SEVERITY`, sorted. */
async function findingsOf(url: string, resourceId: string): Promise<string[]> {
  const found: Finding[] = [];
  const client = inspector2Client(url);
  for await (const page of paginateListFindings({ client }, { filterCriteria: { ecrImageHash: [{ comparison: 'EQUALS', value: resourceId.slice(-71) }], findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }] } })) {
    found.push(...(page.findings ?? []).filter((f) => f.resources?.[0]?.id === resourceId));
  }
  return found.map((f) => {
    const p = f.packageVulnerabilityDetails!;
    return `${p.vulnerabilityId} ${p.vulnerablePackages![0]!.name}@${p.vulnerablePackages![0]!.version} ${f.severity}`;
  }).sort();
}

const writtenSoFar = (watcher: WatcherProcess) => Math.max(0, ...watcher.logs().filter((l) => l.msg === 'stored the vulnerability reports').map((l) => l.written));

for (const kind of databaseKinds) {
  describe(`imagescope watch kubernetes reads trivy-operator reports on ${kind.name}`, () => {
    let api: KubernetesApiDouble;
    let server: TestServer;
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let kubeconfig: string;
    let watcher: WatcherProcess;
    const many = fixture('vulnerabilityreport_many.json');
    const start = (extra: string[] = []) =>
      startWatcher(['kubernetes', '--kubeconfig', kubeconfig, '--context', apps, '--db', server.database.location, '--account-id', account, '--resync', '3s', ...extra]);

    before(async () => {
      api = await startKubernetesApiDouble();
      server = await startTestServer(kind);
      dir = await tempDir();
      kubeconfig = `${dir.path}/kubeconfig`;
      writeFileSync(kubeconfig, kubeconfigFor(api.url, [apps]));
      // The fixture's Deployment: its ReplicaSet's two pods run nginx:alpine at digest a.
      api.upsertReplicaSet({ metadata: { name: 'nginx-deployment-965685897', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'nginx-deployment', uid: 'd-uid', controller: true }] } });
      for (const i of [1, 2]) api.upsertPod(pod('default', `nginx-deployment-965685897-${i}`, { kind: 'ReplicaSet', name: 'nginx-deployment-965685897' }, 'nginx:alpine', digest('a')));
      // The docs' report is about nginx:1.16 of ReplicaSet nginx-6d4cf56db6, whose pods run 1.17 now: stale.
      api.upsertPod(pod('default', 'nginx-6d4cf56db6-1', { kind: 'ReplicaSet', name: 'nginx-6d4cf56db6' }, 'nginx:1.17', digest('c')));
      // A StatefulSet whose name is no valid label value: the operator hashes it and keeps it in an annotation.
      api.upsertPod(pod('default', `${longName}-0`, { kind: 'StatefulSet', name: longName }, 'nginx:alpine', digest('b')));
      api.upsertVulnerabilityReport(many);
      api.upsertVulnerabilityReport(fixture('docs-vulnerability-report-basic.yaml'));
      api.upsertVulnerabilityReport(reportFor(fixture('vulnerabilityreport_single_vuln.json'), 'statefulset-7f6d8b9c4d-nginx', {
        'trivy-operator.resource.kind': 'StatefulSet', 'trivy-operator.resource.name-hash': '7f6d8b9c4d', 'trivy-operator.resource.namespace': 'default', 'trivy-operator.container.name': 'nginx',
      }, { 'trivy-operator.resource.name': longName }));
    });
    after(async () => {
      if (process.env.IMAGESCOPE_TEST_DUMP && watcher) writeFileSync(process.env.IMAGESCOPE_TEST_DUMP, watcher.stderr());
      watcher?.child.kill('SIGKILL');
      await server.stop();
      await api.close();
      await dir.remove();
    });

    it('stores each report as its workload\'s running image, exactly as a hand ingest of it with that digest', async () => {
      watcher = start();
      await watcher.waitForLog((l) => l.msg === 'stored the vulnerability reports');
      const watched = await findingsOf(server.url, nginxImage('a'));
      assert.equal(watched.length, 41, 'the 41 findings of the report, on the digest the pods run');
      assert.deepEqual(await findingsOf(server.url, nginxImage('b')), ['CVE-2023-23914 curl@7.87.0-r1 CRITICAL'], 'the hashed workload name was read from the annotation');
      // The same report ingested by hand, named with the digest the watcher resolved.
      const hand = await startTestServer(databaseKinds[0]);
      try {
        const file = `${dir.path}/many.json`;
        writeFileSync(file, JSON.stringify(many));
        const ingested = await runCli(['ingest', '--db', hand.database.location, '--account-id', account, '--region', 'us-west-2', '--image', `nginx:alpine@${digest('a')}`, file]);
        assert.equal(ingested.code, 0, ingested.stderr);
        assert.deepEqual(await findingsOf(hand.url, nginxImage('a')), watched);
      } finally {
        await hand.stop();
      }
    });

    it('skips a report that contradicts what its workload runs now, saying so once', async () => {
      const stale = () => watcher.logs().filter((l) => l.msg === 'a vulnerability report is stale: skipped');
      await eventually(async () => assert.equal(stale().length, 1));
      assert.match(stale()[0]!.reason, /it is about tag 1\.16, and the container runs nginx:1\.17/);
      assert.deepEqual(await findingsOf(server.url, nginxImage('c')), []);
      const relists = watcher.logs().filter((l) => l.msg === 'stored the vulnerability reports').length;
      await watcher.waitForLog((l) => l.msg === 'stored the vulnerability reports' && watcher.logs().filter((m) => m.msg === l.msg).length > relists + 1, 10_000);
      assert.equal(stale().length, 1, 'not said again at the next resync');
    });

    it('writes nothing for a resend, and an image that two workloads run once', async () => {
      const before = writtenSoFar(watcher);
      // A second Deployment running the same digest, with its own report of the same findings.
      api.upsertPod(pod('default', 'nginx-copy-6b8f-1', { kind: 'ReplicaSet', name: 'nginx-copy-6b8f' }, 'nginx:alpine', digest('a')));
      api.upsertVulnerabilityReport(reportFor(many, 'replicaset-nginx-copy-6b8f-nginx', {
        'trivy-operator.resource.kind': 'ReplicaSet', 'trivy-operator.resource.name': 'nginx-copy-6b8f', 'trivy-operator.resource.namespace': 'default', 'trivy-operator.container.name': 'nginx',
      }));
      api.compact();
      api.closeWatches();
      const since = Date.now();
      await watcher.waitForLog((l) => l.msg === 'stored the vulnerability reports' && l.time > since, 10_000);
      assert.equal(writtenSoFar(watcher), before, 'neither the relisted reports nor the copy were written');
      // The reflector says `listed` once its handler has stored the list: wait for that line too.
      await watcher.waitForLog((l) => l.msg === 'listed' && l.resource === 'vulnerabilityreports' && l.metadataOnly && l.time > since, 10_000);
      const fetched = api.requests.filter((r) => r.path.startsWith('/apis/aquasecurity.github.io/v1alpha1/namespaces/default/vulnerabilityreports/') && r.at > since).map((r) => r.path.split('/').pop());
      assert.ok(fetched.includes('replicaset-nginx-copy-6b8f-nginx'), 'a report it did not know was fetched whole');
      assert.ok(!fetched.includes(many.metadata.name) && !fetched.includes('statefulset-7f6d8b9c4d-nginx'), 'reports known at their resourceVersion were not');
    });

    it('keeps the findings of a report its TTL deletes, and takes a rescan with new findings from the watch', async () => {
      api.deleteVulnerabilityReport('default', many.metadata.name);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await findingsOf(server.url, nginxImage('a'))).length, 41, 'a deleted report removes nothing');
      const rescanned = structuredClone(many);
      delete rescanned.metadata.resourceVersion;
      rescanned.report.updateTimestamp = new Date().toISOString();
      rescanned.report.vulnerabilities = rescanned.report.vulnerabilities.slice(0, 40);
      api.upsertVulnerabilityReport(rescanned);
      await eventually(async () => assert.equal((await findingsOf(server.url, nginxImage('a'))).length, 40, 'the fixed finding closed'));
    });

    it('logs the permission a 403 lacks, relists after 410, and stops cleanly', async () => {
      api.injectFault({ resource: 'vulnerabilityreports', watch: false }, { status: 403 });
      api.injectFault({ resource: 'vulnerabilityreports', watch: true }, { watchError410: true });
      api.closeWatches();
      const denied = await watcher.waitForLog((l) => /^permission missing: list vulnerabilityreports/.test(l.msg ?? ''), 20_000);
      assert.deepEqual(denied.missing, { verb: 'list', resource: 'vulnerabilityreports', apiGroup: 'aquasecurity.github.io', namespace: 'all namespaces' });
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
    });

    it('killed and restarted through a server (--endpoint): converges, writing again only what changed', async () => {
      watcher = start();
      await watcher.waitForLog((l) => l.msg === 'stored the vulnerability reports');
      watcher.child.kill('SIGKILL');
      await watcher.exit();
      // While it is down: the StatefulSet's image is rescanned with a second finding.
      const single = fixture('vulnerabilityreport_single_vuln.json');
      const rescan = reportFor(single, 'statefulset-7f6d8b9c4d-nginx', {
        'trivy-operator.resource.kind': 'StatefulSet', 'trivy-operator.resource.name-hash': '7f6d8b9c4d', 'trivy-operator.resource.namespace': 'default', 'trivy-operator.container.name': 'nginx',
      }, { 'trivy-operator.resource.name': longName });
      rescan.report.updateTimestamp = new Date().toISOString();
      rescan.report.vulnerabilities.push({ ...rescan.report.vulnerabilities[0], vulnerabilityID: 'CVE-2023-38545', installedVersion: '7.87.0-r1', severity: 'HIGH' });
      api.upsertVulnerabilityReport(rescan);
      watcher = startWatcher(['kubernetes', '--kubeconfig', kubeconfig, '--context', apps, '--endpoint', server.url, '--account-id', account, '--resync', '3s']);
      await eventually(async () => assert.deepEqual(await findingsOf(server.url, nginxImage('b')), ['CVE-2023-23914 curl@7.87.0-r1 CRITICAL', 'CVE-2023-38545 curl@7.87.0-r1 HIGH']));
      assert.equal((await findingsOf(server.url, nginxImage('a'))).length, 40, 'what it wrote before the kill stands');
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
    });
  });
}

describe('imagescope watch kubernetes where trivy-operator is not installed', () => {
  it('auto: says so once, keeps watching pods, is ready, and reads the reports once the CRD appears', async () => {
    const api = await startKubernetesApiDouble();
    const server = await startTestServer(databaseKinds[0]);
    const dir = await tempDir();
    writeFileSync(`${dir.path}/kubeconfig`, kubeconfigFor(api.url, [apps]));
    api.setCustomResourceInstalled(false);
    api.upsertReplicaSet({ metadata: { name: 'nginx-deployment-965685897', namespace: 'default' } });
    api.upsertPod(pod('default', 'nginx-deployment-965685897-1', { kind: 'ReplicaSet', name: 'nginx-deployment-965685897' }, 'nginx:alpine', digest('d')));
    const args = (mode: string) => ['kubernetes', '--kubeconfig', `${dir.path}/kubeconfig`, '--db', server.database.location, '--account-id', account, '--resync', '2s', '--health-port', '0', '--vulnerability-reports', mode];
    let watcher = startWatcher(args('auto'));
    try {
      const { port } = await watcher.waitForLog((l) => l.msg === 'serving /live and /ready');
      const absent = await watcher.waitForLog((l) => /^vulnerabilityreports\.aquasecurity\.github\.io is not served/.test(l.msg ?? ''));
      assert.equal(absent.level, 30, 'info, not an error');
      await watcher.waitForLog((l) => l.msg === 'stored a complete list');
      await eventually(async () => assert.equal((await fetch(`http://127.0.0.1:${port}/ready`)).status, 200));
      await new Promise((r) => setTimeout(r, 2_500));
      assert.equal(watcher.logs().filter((l) => /is not served/.test(l.msg ?? '')).length, 1, 'said once across resyncs');
      api.setCustomResourceInstalled(true);
      api.upsertVulnerabilityReport(fixture('vulnerabilityreport_many.json'));
      await eventually(async () => assert.equal((await findingsOf(server.url, nginxImage('d'))).length, 41), 10_000);
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
      // on: the same absence is an error, and the watcher is not ready while it lasts.
      api.setCustomResourceInstalled(false);
      watcher = startWatcher(args('on'), { IMAGESCOPE_FEED_BACKOFF_MS: '20' });
      const required = await watcher.waitForLog((l) => /is not served/.test(l.msg ?? ''));
      assert.equal(required.level, 50);
      const health = await watcher.waitForLog((l) => l.msg === 'serving /live and /ready');
      await eventually(async () => assert.equal((await fetch(`http://127.0.0.1:${health.port}/ready`)).status, 503), 10_000);
    } finally {
      watcher.child.kill('SIGTERM');
      await watcher.exit();
      await server.stop();
      await Promise.all([api.close(), dir.remove()]);
    }
  });
});
