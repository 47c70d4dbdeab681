// The live feeds at scale, as users run them: `imagescope watch kubernetes` against a Kubernetes API
// double holding 50,000 pods across 10 namespaces (time from the start of a list to the list stored,
// for the first list and for a resync relist of the same pods, and the watcher's peak RSS), and
// `imagescope watch ecs` polling 5,000 tasks of one cluster (time of one poll, stored). Both write
// into a SQLite store. The findings feeds too: trivy-operator's reports read by the Kubernetes watcher,
// and `imagescope watch ecr` polling the scans of running images. The doubles are the tests'
// (test/doubles), written to each API's wire behaviour.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEcrApiDouble } from '../test/doubles/ecr-api.ts';
import { startEcsApiDouble } from '../test/doubles/ecs-api.ts';
import { kubeconfigFor, startKubernetesApiDouble } from '../test/doubles/kubernetes-api.ts';
import { startImagescope } from './processes.ts';
import { round } from './stats.ts';

const account = '111122223333';
const clusterArn = `arn:aws:eks:us-west-2:${account}:cluster/bench`;
const registry = `${account}.dkr.ecr.us-west-2.amazonaws.com`;

interface Watcher {
  /** Resolves with the `n`th log line that `match` accepts. */
  logLine(match: (line: any) => boolean, n?: number): Promise<any>;
  peakRssMiB(): number;
  stop(): Promise<void>;
}

function startWatcher(args: string[], env: Record<string, string>): Watcher {
  const child = spawn(process.execPath, ['bin/imagescope.js', 'watch', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return {
    async logLine(match, n = 1) {
      for (;;) {
        const found = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter(match);
        if (found.length >= n) return found[n - 1];
        if (child.exitCode !== null) throw new Error(`the watcher exited: ${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    peakRssMiB: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
    stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))),
  };
}

function pod(i: number) {
  const digest = (i % 500).toString(16).padStart(64, '0');
  const owner = `app-${i % 200}`;
  return {
    metadata: { name: `${owner}-7d4b9c-${i}`, namespace: `team-${i % 10}`, labels: { 'pod-template-hash': '7d4b9c', app: owner }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${owner}-7d4b9c`, uid: `${owner}-rs`, controller: true }] },
    spec: { containers: [{ name: 'main', image: `${registry}/${owner}:1`, resources: { requests: { cpu: '100m', memory: '128Mi' } } }], nodeName: `node-${i % 300}` },
    status: {
      phase: 'Running',
      podIP: `10.0.${(i >> 8) & 255}.${i & 255}`,
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [{ name: 'main', image: `${registry}/${owner}:1`, imageID: `${registry}/${owner}@sha256:${digest}`, ready: true, restartCount: 0, started: true, state: { running: { startedAt: '2026-11-30T00:00:00Z' } } }],
    },
  };
}

/**
 * `sink`: straight into a SQLite file (`db`), or through a server on one (`endpoint`).
 * `trivyOperator`: the cluster serves trivy-operator's reports (none here), so the watcher keeps its
 * pods by workload to resolve them; without it (the default) it has no reason to.
 */
export async function measureKubernetesFeed(podCount = 50_000, namespaces = 10, sink: 'db' | 'endpoint' = 'db', trivyOperator = false) {
  const api = await startKubernetesApiDouble();
  api.setCustomResourceInstalled(trivyOperator);
  const dir = mkdtempSync(join(tmpdir(), 'imagescope-bench-feed-'));
  try {
    for (let i = 0; i < 200; i++) api.upsertReplicaSet({ metadata: { name: `app-${i}-7d4b9c`, namespace: `team-${i % namespaces}`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: `app-${i}`, uid: `app-${i}`, controller: true }] } });
    for (let i = 0; i < podCount; i++) api.upsertPod(pod(i));
    writeFileSync(`${dir}/kubeconfig`, kubeconfigFor(api.url, [clusterArn]));
    const server = sink === 'endpoint' ? await startImagescope(`${dir}/feed.sqlite`) : undefined;
    const target = server ? ['--endpoint', server.url] : ['--db', `${dir}/feed.sqlite`];
    const watcher = startWatcher(['kubernetes', '--kubeconfig', `${dir}/kubeconfig`, ...target, '--resync', '20s'], { IMAGESCOPE_LOG_LEVEL: 'info' });
    try {
      const first = await watcher.logLine((l) => l.msg === 'stored a complete list');
      const resync = await watcher.logLine((l) => l.msg === 'stored a complete list', 2);
      return { sink, trivyOperator, pods: podCount, namespaces, firstListStoredMs: first.listAgeMs, resyncListStoredMs: resync.listAgeMs, watcherPeakRssMiB: round(watcher.peakRssMiB(), 1), ...(server && { serverPeakRssMiB: round(server.peakRssMiB(), 1) }) };
    } finally {
      await watcher.stop();
      await server?.stop();
    }
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureEcsFeed(taskCount = 5_000) {
  const ecs = await startEcsApiDouble({ accountId: account });
  const dir = mkdtempSync(join(tmpdir(), 'imagescope-bench-ecs-'));
  try {
    for (let i = 0; i < taskCount; i++) {
      const digest = `sha256:${(i % 300).toString(16).padStart(64, '0')}`;
      ecs.putTask('bench', { group: `service:svc-${i % 100}`, containers: [{ name: 'main', image: `${registry}/svc-${i % 100}:1`, imageDigest: digest }] }, 'us-west-2');
    }
    const env = { AWS_ENDPOINT_URL_ECS: ecs.url, AWS_ACCESS_KEY_ID: 'AKIDBENCH', AWS_SECRET_ACCESS_KEY: 'x', IMAGESCOPE_LOG_LEVEL: 'info' };
    const watcher = startWatcher(['ecs', '--region', 'us-west-2', '--interval', '60s', '--db', `${dir}/ecs.sqlite`], env);
    try {
      const poll = await watcher.logLine((l) => l.msg === 'polled');
      return { tasks: poll.tasks, pollStoredMs: poll.ms, watcherPeakRssMiB: round(watcher.peakRssMiB(), 1) };
    } finally {
      await watcher.stop();
    }
  } finally {
    await ecs.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One VulnerabilityReport of `findings` vulnerabilities, the shape trivy-operator writes (no digest: the watcher resolves it). */
function vulnerabilityReport(i: number, findings: number) {
  const vulnerabilities = Array.from({ length: findings }, (_, j) => {
    const cve = (i * 7 + j * 13) % 20_000;
    return {
      vulnerabilityID: `CVE-2025-${String(10_000 + cve)}`,
      resource: `pkg-${(j * 31 + i) % 400}`,
      installedVersion: `1.${j % 9}.${i % 7}`,
      fixedVersion: j % 3 === 0 ? '' : `1.${j % 9}.${(i % 7) + 1}`,
      severity: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'][cve % 5],
      score: (cve % 100) / 10,
      title: `pkg-${(j * 31 + i) % 400}: a flaw in parsing input ${cve}`,
      primaryLink: `https://avd.aquasec.com/nvd/cve-2025-${10_000 + cve}`,
      links: [],
      target: `${registry}/svc-${i}:1 (debian 12.8)`,
      class: 'os-pkgs',
      packageType: 'debian',
    };
  });
  return {
    apiVersion: 'aquasecurity.github.io/v1alpha1',
    kind: 'VulnerabilityReport',
    metadata: {
      name: `replicaset-svc-${i}-7d4b9c-main`,
      namespace: `team-${i % 10}`,
      labels: { 'trivy-operator.resource.kind': 'ReplicaSet', 'trivy-operator.resource.name': `svc-${i}-7d4b9c`, 'trivy-operator.resource.namespace': `team-${i % 10}`, 'trivy-operator.container.name': 'main', 'resource-spec-hash': '7cb64cb677' },
      annotations: { 'trivy-operator.aquasecurity.github.io/report-ttl': '24h0m0s' },
    },
    report: {
      updateTimestamp: '2026-12-01T00:00:00Z',
      scanner: { name: 'Trivy', vendor: 'Aqua Security', version: '0.58.1' },
      registry: { server: `${account}.dkr.ecr.us-west-2.amazonaws.com` },
      artifact: { repository: `svc-${i}`, tag: '1' },
      os: { family: 'debian', name: '12.8' },
      summary: { criticalCount: 0, highCount: 0, mediumCount: 0, lowCount: 0, unknownCount: 0 },
      vulnerabilities,
    },
  };
}

/**
 * `imagescope watch kubernetes` reading trivy-operator's reports: `reports` VulnerabilityReports of
 * `findings` each, one per Deployment, each Deployment's one pod running its own image (so every
 * report is written: the heaviest case). Time from the start of the report list to the list stored,
 * first and at a resync with nothing changed (which must write nothing), and the watcher's peak RSS.
 */
export async function measureTrivyOperatorFeed(reports = 5_000, findings = 200) {
  const api = await startKubernetesApiDouble();
  const dir = mkdtempSync(join(tmpdir(), 'imagescope-bench-trivy-operator-'));
  try {
    for (let i = 0; i < reports; i++) {
      const namespace = `team-${i % 10}`;
      const rs = `svc-${i}-7d4b9c`;
      api.upsertReplicaSet({ metadata: { name: rs, namespace, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: `svc-${i}`, uid: `svc-${i}`, controller: true }] } });
      const image = `${registry}/svc-${i}:1`;
      api.upsertPod({
        metadata: { name: `${rs}-x${i}`, namespace, labels: { 'pod-template-hash': '7d4b9c' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `${rs}-uid`, controller: true }] },
        spec: { containers: [{ name: 'main', image }] },
        status: { phase: 'Running', containerStatuses: [{ name: 'main', image, imageID: `${registry}/svc-${i}@sha256:${i.toString(16).padStart(64, '0')}`, ready: true, restartCount: 0, state: { running: { startedAt: '2026-11-30T00:00:00Z' } } }] },
      });
      api.upsertVulnerabilityReport(vulnerabilityReport(i, findings));
    }
    writeFileSync(`${dir}/kubeconfig`, kubeconfigFor(api.url, [clusterArn]));
    const watcher = startWatcher(['kubernetes', '--kubeconfig', `${dir}/kubeconfig`, '--db', `${dir}/feed.sqlite`, '--resync', '90s'], { IMAGESCOPE_LOG_LEVEL: 'info' });
    try {
      const first = await watcher.logLine((l) => l.msg === 'stored the vulnerability reports');
      const resync = await watcher.logLine((l) => l.msg === 'stored the vulnerability reports', 2);
      return {
        reports, findingsPerReport: findings,
        firstStoredMs: first.listAgeMs, firstWritten: first.written,
        resyncStoredMs: resync.listAgeMs, resyncWritten: resync.written - first.written,
        watcherPeakRssMiB: round(watcher.peakRssMiB(), 1),
      };
    } finally {
      await watcher.stop();
    }
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `imagescope watch ecr` over `images` running ECR images (ECS tasks in the store), each with a
 * COMPLETE basic scan of 20 findings: the first poll (every scan written) and the next, with nothing
 * changed (nothing written).
 */
export async function measureEcrFeed(images = 2_000) {
  const ecr = await startEcrApiDouble({ accountId: account });
  const dir = mkdtempSync(join(tmpdir(), 'imagescope-bench-ecr-'));
  try {
    const events: string[] = [];
    for (let i = 0; i < images; i++) {
      const repository = `svc-${i % 200}`;
      const digest = `sha256:${i.toString(16).padStart(64, '0')}`;
      ecr.putImage(repository, { digest, tags: [`${i}`], region: 'us-west-2' });
      const findings = Array.from({ length: 20 }, (_, j) => ({ name: `CVE-2025-${10_000 + ((i + j * 17) % 5_000)}`, severity: ['HIGH', 'MEDIUM', 'LOW'][j % 3], uri: 'https://security-tracker.debian.org/', attributes: [{ key: 'package_name', value: `pkg-${j}` }, { key: 'package_version', value: `1.${i % 5}` }] }));
      ecr.setScan(repository, digest, { status: 'COMPLETE', completedAt: new Date('2026-12-01T00:00:00Z'), findings }, 'us-west-2');
      events.push(JSON.stringify({ version: '0', id: `e${i}`, 'detail-type': 'ECS Task State Change', source: 'aws.ecs', account, time: new Date().toISOString(), region: 'us-west-2', resources: [], detail: { clusterArn: `arn:aws:ecs:us-west-2:${account}:cluster/bench`, taskArn: `arn:aws:ecs:us-west-2:${account}:task/bench/t${i}`, taskDefinitionArn: `arn:aws:ecs:us-west-2:${account}:task-definition/${repository}:1`, lastStatus: 'RUNNING', version: 1, group: `service:${repository}`, containers: [{ name: 'main', image: `${registry}/${repository}:${i}`, imageDigest: digest }] } }));
    }
    writeFileSync(`${dir}/tasks.jsonl`, events.join('\n'));
    await new Promise<void>((resolve, reject) => spawn(process.execPath, ['bin/imagescope.js', 'ingest', '--db', `${dir}/ecr.sqlite`, '--account-id', account, `${dir}/tasks.jsonl`], { stdio: 'ignore' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ingest exited ${code}`)))));
    const env = { AWS_ENDPOINT_URL_ECR: ecr.url, AWS_ACCESS_KEY_ID: 'AKIDBENCH', AWS_SECRET_ACCESS_KEY: 'x', IMAGESCOPE_LOG_LEVEL: 'info' };
    const watcher = startWatcher(['ecr', '--region', 'us-west-2', '--interval', '1s', '--db', `${dir}/ecr.sqlite`, '--account-id', account], env);
    try {
      const first = await watcher.logLine((l) => l.msg === 'polled');
      const quiet = await watcher.logLine((l) => l.msg === 'polled', 2);
      return { images: quiet.images, firstPollMs: first.ms, firstWritten: first.written, quietPollMs: quiet.ms, quietWritten: quiet.written, watcherPeakRssMiB: round(watcher.peakRssMiB(), 1) };
    } finally {
      await watcher.stop();
    }
  } finally {
    await ecr.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
