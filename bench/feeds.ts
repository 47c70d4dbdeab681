// The live feeds at scale, as users run them: `imagescope watch kubernetes` against a Kubernetes API
// double holding 50,000 pods across 10 namespaces (time from the start of a list to the list stored,
// for the first list and for a resync relist of the same pods, and the watcher's peak RSS), and
// `imagescope watch ecs` polling 5,000 tasks of one cluster (time of one poll, stored). Both write
// into a SQLite store. The doubles are the tests' (test/doubles), written to each API's wire behaviour.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** `sink`: straight into a SQLite file (`db`), or through a server on one (`endpoint`). */
export async function measureKubernetesFeed(podCount = 50_000, namespaces = 10, sink: 'db' | 'endpoint' = 'db') {
  const api = await startKubernetesApiDouble();
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
      return { sink, pods: podCount, namespaces, firstListStoredMs: first.listAgeMs, resyncListStoredMs: resync.listAgeMs, watcherPeakRssMiB: round(watcher.peakRssMiB(), 1), ...(server && { serverPeakRssMiB: round(server.peakRssMiB(), 1) }) };
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
