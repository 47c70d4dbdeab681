// `imagescope watch kubernetes` as a child process against a Kubernetes API double driven by the real
// @kubernetes/client-node: paged lists, watches from the list's resourceVersion, owners resolved from
// ReplicaSets and Jobs, every fault of the wire (410 both ways, 403, 429, 500, dropped and silent
// streams), SIGKILL and restart, SIGTERM; checked through the real Inspector2 SDK client.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import { ingestTokenOf, newAccessKey } from '../src/protocol/access-keys.ts';
import { runCli } from './helpers/cli.ts';
import { databaseKinds } from './helpers/databases.ts';
import { inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';
import { tempDir } from './helpers/temp.ts';
import { eventually, runningAndStopped, startWatcher, type WatcherProcess } from './helpers/watcher.ts';
import { kubeconfigFor, startKubernetesApiDouble, type KubernetesApiDouble } from './doubles/kubernetes-api.ts';

const account = '111122223333';
const apps = `arn:aws:eks:us-west-2:${account}:cluster/apps`;
const registry = `${account}.dkr.ecr.us-west-2.amazonaws.com`;
const imageId = (repo: string, c: string) => `arn:aws:ecr:us-west-2:${account}:repository/${repo}/sha256:${c.repeat(64)}`;

interface PodSpec {
  repo?: string;
  digest?: string;
  owner?: { kind: string; name: string };
  hash?: string;
  phase?: 'Running' | 'Pending' | 'Succeeded' | 'Failed';
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

function pod(namespace: string, name: string, spec: PodSpec = {}) {
  const { repo = 'web', digest = 'a', owner, hash, phase = 'Running' } = spec;
  // Relative to the clock the watcher runs on: a stop counts for 24 hours after it.
  const startedAt = minutesAgo(10);
  const state = phase === 'Running' ? { running: { startedAt } } : phase === 'Pending' ? { waiting: { reason: 'ContainerCreating' } } : { terminated: { exitCode: 0, startedAt, finishedAt: minutesAgo(5) } };
  return {
    metadata: {
      name,
      namespace,
      ...(hash && { labels: { 'pod-template-hash': hash } }),
      ...(owner && { ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: `${owner.name}-uid`, controller: true }] }),
    },
    spec: { containers: [{ name: 'main', image: `${registry}/${repo}:1` }] },
    status: { phase, containerStatuses: [{ name: 'main', image: `${registry}/${repo}:1`, imageID: `${registry}/${repo}@sha256:${digest.repeat(64)}`, ready: phase === 'Running', restartCount: 0, state }] },
  };
}

const owned = (namespace: string, name: string, owner: { kind: string; name: string }) => ({
  metadata: { name, namespace, ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: `${owner.name}-uid`, controller: true }] },
});

/** Per namespace of the cluster: running and stopped units and workloads, as GetClustersForImage answers. */
async function usage(server: TestServer, resourceId: string) {
  const out = await inspector2Client(server.url).send(new GetClustersForImageCommand({ filter: { resourceId } }));
  const rows: Record<string, { running: number; stopped: number; workloads: string[] }> = {};
  for (const cluster of out.cluster ?? []) {
    for (const d of cluster.clusterDetails ?? []) {
      const eks = d.clusterMetadata!.awsEksMetadataDetails!;
      rows[`${cluster.clusterArn === apps ? 'apps' : cluster.clusterArn}/${eks.namespace}`] = {
        running: d.runningUnitCount!,
        stopped: d.stoppedUnitCount!,
        workloads: (eks.workloadInfoList ?? []).map((w) => `${w.type}/${w.name}`),
      };
    }
  }
  return rows;
}

for (const kind of databaseKinds) {
  describe(`imagescope watch kubernetes on ${kind.name}`, () => {
    let api: KubernetesApiDouble;
    let server: TestServer;
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let kubeconfig: string;
    let watcher: WatcherProcess;
    const start = (extra: string[] = [], env: Record<string, string> = {}) =>
      startWatcher(['kubernetes', '--kubeconfig', kubeconfig, '--context', apps, '--db', server.database.location, '--account-id', account, '--health-port', '0', ...extra], env);

    before(async () => {
      api = await startKubernetesApiDouble();
      server = await startTestServer(kind);
      dir = await tempDir();
      kubeconfig = `${dir.path}/kubeconfig`;
      writeFileSync(kubeconfig, kubeconfigFor(api.url, [apps, 'kind-dev'], 'kind-dev'));
      api.upsertReplicaSet(owned('shop', 'web-5d9f8c7b6', { kind: 'Deployment', name: 'web' }));
      api.upsertJob(owned('shop', 'report-29000000', { kind: 'CronJob', name: 'report' }));
      for (let i = 0; i < 3; i++) api.upsertPod(pod('shop', `web-5d9f8c7b6-${i}`, { owner: { kind: 'ReplicaSet', name: 'web-5d9f8c7b6' }, hash: '5d9f8c7b6' }));
      api.upsertPod(pod('shop', 'report-29000000-x1', { repo: 'report', digest: 'b', owner: { kind: 'Job', name: 'report-29000000' } }));
      api.upsertPod(pod('tools', 'debug', {}));
    });
    after(async () => {
      if (process.env.IMAGESCOPE_TEST_DUMP && watcher) writeFileSync(process.env.IMAGESCOPE_TEST_DUMP, watcher.stderr());
      watcher?.child.kill('SIGKILL');
      await server.stop();
      await api.close();
      await dir.remove();
    });

    it('lists in pages, watches from the list, resolves workloads, and is ready once the first list is stored', async () => {
      watcher = start();
      const { port } = await watcher.waitForLog((l) => l.msg === 'serving /live and /ready');
      await watcher.waitForLog((l) => l.msg === 'stored a complete list');
      assert.deepEqual(await usage(server, imageId('web', 'a')), {
        'apps/shop': { running: 3, stopped: 0, workloads: ['Deployment/web'] },
        'apps/tools': { running: 1, stopped: 0, workloads: ['Pod/debug'] },
      });
      assert.deepEqual(await usage(server, imageId('report', 'b')), { 'apps/shop': { running: 1, stopped: 0, workloads: ['CronJob/report'] } });
      const podLists = api.requests.filter((r) => r.path === '/api/v1/pods' && !r.query.watch);
      assert.ok(podLists.length >= 3 && podLists.every((r) => r.query.limit === '2'), 'paged by limit');
      assert.ok(podLists.slice(1).some((r) => r.query.continue), 'with continue tokens');
      const podWatch = await eventually(async () => api.requests.find((r) => r.path === '/api/v1/pods' && r.query.watch)!);
      assert.equal(podWatch.query.allowWatchBookmarks, 'true');
      assert.equal(podWatch.query.timeoutSeconds, '2');
      assert.match(podWatch.query.resourceVersion, /^\d+$/);
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      assert.equal(ready.status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${port}/live`)).status, 200);
    });

    it('follows a rollout, a scale-down, a deletion and a finished pod within seconds', async () => {
      api.upsertReplicaSet(owned('shop', 'web-77c8d9', { kind: 'Deployment', name: 'web' }));
      for (let i = 0; i < 2; i++) api.upsertPod(pod('shop', `web-77c8d9-${i}`, { digest: 'c', owner: { kind: 'ReplicaSet', name: 'web-77c8d9' }, hash: '77c8d9' }));
      api.deletePod('shop', 'web-5d9f8c7b6-0');
      api.deletePod('shop', 'web-5d9f8c7b6-1');
      api.upsertPod(pod('shop', 'report-29000000-x1', { repo: 'report', digest: 'b', owner: { kind: 'Job', name: 'report-29000000' }, phase: 'Succeeded' }));
      await eventually(async () => {
        assert.deepEqual((await usage(server, imageId('web', 'c')))['apps/shop'], { running: 2, stopped: 0, workloads: ['Deployment/web'] });
        assert.deepEqual((await usage(server, imageId('web', 'a')))['apps/shop'], { running: 1, stopped: 2, workloads: ['Deployment/web'] });
        assert.deepEqual((await usage(server, imageId('report', 'b')))['apps/shop'], { running: 0, stopped: 1, workloads: ['CronJob/report'] });
      });
    });

    it('relists after an expired resourceVersion, as an ERROR event and as HTTP 410, and loses nothing', async () => {
      const since = Date.now();
      const lists = () => api.requests.filter((r) => r.path === '/api/v1/pods' && !r.query.watch && !r.query.continue && r.at > since).length;
      api.injectFault({ resource: 'pods', watch: true }, { watchError410: true });
      api.closeWatches();
      await watcher.waitForLog((l) => l.msg === 'resourceVersion expired: relisting' && l.time > since);
      await eventually(async () => assert.equal(lists(), 1, 'relisted once'));
      api.injectFault({ resource: 'pods', watch: true }, { status: 410 });
      api.compact();
      api.closeWatches();
      api.upsertPod(pod('tools', 'debug-2', {}));
      await eventually(async () => assert.deepEqual((await usage(server, imageId('web', 'a')))['apps/tools'], { running: 2, stopped: 0, workloads: ['Pod/debug', 'Pod/debug-2'] }));
      assert.ok(lists() >= 2, 'relisted after HTTP 410 too');
    });

    it('stores nothing of a list that fails part way (its continue token expired), then lists again', async () => {
      const since = Date.now();
      const images = [imageId('web', 'a'), imageId('web', 'c'), imageId('report', 'b')];
      const before = await Promise.all(images.map((id) => usage(server, id)));
      api.injectFault({ resource: 'pods', watch: false, continued: true }, { status: 410 });
      api.injectFault({ resource: 'pods', watch: true }, { watchError410: true });
      api.closeWatches();
      await watcher.waitForLog((l) => l.msg === 'list continue token expired: relisting' && l.time > since);
      const stored = await watcher.waitForLog((l) => l.msg === 'stored a complete list' && l.time > since);
      assert.equal(stored.stopped, 0, 'the pods after the failed page were not taken for gone');
      assert.deepEqual(await Promise.all(images.map((id) => usage(server, id))), before);
      const continued = api.requests.filter((r) => r.path === '/api/v1/pods' && r.query.continue && r.at > since);
      assert.ok(continued.length >= 2, 'the failed list and the next one both paged');
    });

    it('recovers from 500, 429 with Retry-After, a dropped stream and a silent one, with jittered backoff', async () => {
      api.injectFault({ resource: 'pods', watch: false }, { status: 500 });
      api.injectFault({ resource: 'pods', watch: true }, { destroyAfterEvents: 1 });
      api.closeWatches();
      api.upsertPod(pod('tools', 'debug-3', {}));
      await eventually(async () => assert.equal((await usage(server, imageId('web', 'a')))['apps/tools'].running, 3));
      api.injectFault({ resource: 'pods', watch: false }, { status: 429, retryAfterSeconds: 1 });
      api.compact();
      api.closeWatches();
      const throttled = await watcher.waitForLog((l) => l.status === 429);
      assert.ok(throttled.retryInMs >= 1000, 'honours Retry-After');
      api.injectFault({ resource: 'pods', watch: true }, { silent: true });
      api.closeWatches();
      await watcher.waitForLog((l) => /silent for/.test(l.error ?? ''), 20_000);
      api.deletePod('tools', 'debug-3');
      await eventually(async () => assert.deepEqual((await usage(server, imageId('web', 'a')))['apps/tools'], { running: 2, stopped: 1, workloads: ['Pod/debug', 'Pod/debug-2', 'Pod/debug-3'] }), 20_000);
      assert.ok(watcher.logs().some((l) => l.msg === 'list or watch failed: retrying' && l.status === 500));
    });

    it('logs the exact permission a 403 lacks and retries slowly', async () => {
      api.injectFault({ resource: 'pods', watch: false }, { status: 403 });
      api.compact();
      api.closeWatches();
      const denied = await watcher.waitForLog((l) => /^permission missing/.test(l.msg ?? ''));
      assert.equal(denied.msg, 'permission missing: list pods (pods is forbidden: User "system:serviceaccount:imagescope:watcher" cannot list resource "pods" in API group "" at the cluster scope)');
      assert.deepEqual(denied.missing, { verb: 'list', resource: 'pods', apiGroup: '', namespace: 'all namespaces' });
      await watcher.waitForLog((l) => l.msg === 'stored a complete list' && l.time > denied.time, 10_000);
    });

    it('killed, then pods deleted while it is down, then restarted: the stops are there, no unit twice', async () => {
      watcher.child.kill('SIGKILL');
      await watcher.exit();
      api.deletePod('shop', 'web-77c8d9-0');
      api.upsertPod(pod('shop', 'web-77c8d9-2', { digest: 'c', owner: { kind: 'ReplicaSet', name: 'web-77c8d9' }, hash: '77c8d9' }));
      watcher = start();
      await eventually(async () => assert.deepEqual((await usage(server, imageId('web', 'c')))['apps/shop'], { running: 2, stopped: 1, workloads: ['Deployment/web'] }));
    });

    it('stops at SIGTERM while it waits to watch again', async () => {
      // Watches that end at once with nothing said are retried after a growing wait: a stop that lands
      // in that wait must not start another watch.
      api.injectFault({ resource: 'replicasets', watch: true }, { closeAtOnce: true }, 1_000);
      api.closeWatches();
      const since = Date.now();
      await eventually(async () => assert.ok(watcher.logs().filter((l) => l.resource === 'replicasets' && l.msg === 'watch closed: reconnecting' && l.time > since).length >= 6));
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(10_000), 0);
      api.clearFaults();
      watcher = start();
      await watcher.waitForLog((l) => l.msg === 'stored a complete list');
    });

    it('on SIGTERM writes what is pending and exits 0', async () => {
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
      watcher = start([], { IMAGESCOPE_FEED_FLUSH_MS: '60000' });
      await watcher.waitForLog((l) => l.msg === 'stored a complete list');
      await eventually(async () => assert.ok(api.openWatches() >= 3));
      api.upsertPod(pod('tools', 'late', { digest: 'd' }));
      await watcher.waitForLog((l) => l.msg === 'listed' && false, 300).catch(() => undefined);
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
      assert.deepEqual((await usage(server, imageId('web', 'd')))['apps/tools'], { running: 1, stopped: 0, workloads: ['Pod/late'] });
    });
  });
}

describe('imagescope watch kubernetes refuses what it cannot watch', () => {
  it('exits 2 naming the contexts for an unknown context, a context without an ARN, or --in-cluster without one', async () => {
    const dir = await tempDir();
    try {
      const kubeconfig = `${dir.path}/kubeconfig`;
      writeFileSync(kubeconfig, kubeconfigFor('http://127.0.0.1:1', [apps, 'kind-dev'], 'kind-dev'));
      const cases: [string[], RegExp][] = [
        [['--context', 'prod'], new RegExp(`^imagescope watch kubernetes: unknown context 'prod' in .*kubeconfig; contexts available: ${apps.replace(/[/]/g, '\\/')}, kind-dev\\n$`)],
        [[], /^imagescope watch kubernetes: context 'kind-dev' is not named by an EKS cluster ARN: pass --cluster-arn kind-dev=arn:aws:eks:<region>:<account>:cluster\/<name>; contexts available: .*kind-dev\n$/],
        [['--all-contexts', '--cluster-arn', 'nope=arn:aws:eks:us-west-2:111122223333:cluster/x'], /--cluster-arn names context 'nope', which is not watched/],
        [['--resync', 'soon', '--context', apps], /--resync 'soon' must be a duration such as 30s, 5m or 1h/],
      ];
      for (const [args, message] of cases) {
        const result = await runCli(['watch', 'kubernetes', '--kubeconfig', kubeconfig, '--db', `${dir.path}/x.sqlite`, ...args]);
        assert.equal(result.code, 2, result.stderr);
        assert.match(result.stderr, message);
      }
      const inCluster = await runCli(['watch', 'kubernetes', '--in-cluster', '--db', `${dir.path}/x.sqlite`]);
      assert.equal(inCluster.code, 2);
      assert.match(inCluster.stderr, /--in-cluster needs the cluster ARN/);
    } finally {
      await dir.remove();
    }
  });
});

describe('imagescope watch kubernetes over several clusters, through a server', () => {
  it('watches every context at once (--all-contexts), each under its ARN, sending to a SigV4 server with an ingest token', async () => {
    const [east, dev] = [await startKubernetesApiDouble(), await startKubernetesApiDouble()];
    const server = await startTestServer(databaseKinds[0], { env: { IMAGESCOPE_AUTH: 'sigv4' } });
    const key = newAccessKey(account, 'ingest', Date.now());
    await server.store.createAccessKey(key);
    const dir = await tempDir();
    const devArn = `arn:aws:eks:eu-west-1:${account}:cluster/dev`;
    // Two clusters in one kubeconfig (JSON is YAML too): one context named by its EKS ARN, one not.
    const cluster = (name: string, url: string) => ({ name, cluster: { server: url, 'insecure-skip-tls-verify': true } });
    const context = (name: string) => ({ name, context: { cluster: name, user: 'watcher' } });
    writeFileSync(`${dir.path}/kubeconfig`, JSON.stringify({ apiVersion: 'v1', kind: 'Config', 'current-context': apps, clusters: [cluster(apps, east.url), cluster('kind-dev', dev.url)], contexts: [context(apps), context('kind-dev')], users: [{ name: 'watcher', user: { token: 't' } }] }));
    east.upsertPod(pod('shop', 'web-1', { digest: 'e' }));
    dev.upsertPod(pod('shop', 'web-1', { digest: 'e' }));
    dev.upsertPod(pod('shop', 'web-2', { digest: 'e' }));
    const watcher = startWatcher(['kubernetes', '--kubeconfig', `${dir.path}/kubeconfig`, '--all-contexts', '--cluster-arn', `kind-dev=${devArn}`, '--endpoint', server.url], { IMAGESCOPE_INGEST_TOKEN: ingestTokenOf(key) });
    try {
      await eventually(async () => {
        const out = await inspector2Client(server.url, key.access_key_id, 'us-west-2', key.secret_access_key).send(new GetClustersForImageCommand({ filter: { resourceId: imageId('web', 'e') } })).catch((error) => error);
        assert.equal(out.name, 'AccessDeniedException', 'an ingest key may not query');
        const rows = await usageAs(server, imageId('web', 'e'));
        assert.deepEqual(rows, { [`${apps}/shop`]: 1, [`${devArn}/shop`]: 2 });
      });
    } finally {
      if (process.env.IMAGESCOPE_TEST_DUMP) writeFileSync(process.env.IMAGESCOPE_TEST_DUMP, watcher.stderr());
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
      await server.stop();
      await Promise.all([east.close(), dev.close(), dir.remove()]);
    }
  });

  it('watches only the --namespace values, each list a snapshot of its namespace alone', async () => {
    const api = await startKubernetesApiDouble();
    const server = await startTestServer(databaseKinds[0]);
    const dir = await tempDir();
    writeFileSync(`${dir.path}/kubeconfig`, kubeconfigFor(api.url, [apps]));
    for (const namespace of ['shop', 'tools', 'other']) api.upsertPod(pod(namespace, 'p1', { digest: 'f' }));
    const start = () => startWatcher(['kubernetes', '--kubeconfig', `${dir.path}/kubeconfig`, '--namespace', 'shop', '--namespace', 'tools', '--db', server.database.location, '--account-id', account]);
    let watcher = start();
    try {
      await eventually(async () => assert.deepEqual(runningAndStopped(await usage(server, imageId('web', 'f'))), { 'apps/shop': [1, 0], 'apps/tools': [1, 0] }));
      const podPaths = new Set(api.requests.filter((r) => r.path.endsWith('/pods')).map((r) => r.path));
      assert.deepEqual([...podPaths].sort(), ['/api/v1/namespaces/shop/pods', '/api/v1/namespaces/tools/pods']);
      watcher.child.kill('SIGKILL');
      await watcher.exit();
      api.deletePod('tools', 'p1');
      api.upsertPod(pod('shop', 'p2', { digest: 'f' }));
      watcher = start();
      await eventually(async () => assert.deepEqual(runningAndStopped(await usage(server, imageId('web', 'f'))), { 'apps/shop': [2, 0], 'apps/tools': [0, 1] }));
    } finally {
      watcher.child.kill('SIGTERM');
      await watcher.exit();
      await server.stop();
      await Promise.all([api.close(), dir.remove()]);
    }
  });

  it('is not ready while a cluster cannot be listed, and says which and why', async () => {
    const dir = await tempDir();
    writeFileSync(`${dir.path}/kubeconfig`, kubeconfigFor('http://127.0.0.1:1', [apps]));
    const watcher = startWatcher(['kubernetes', '--kubeconfig', `${dir.path}/kubeconfig`, '--db', `${dir.path}/x.sqlite`, '--health-port', '0']);
    try {
      const { port } = await watcher.waitForLog((l) => l.msg === 'serving /live and /ready');
      await watcher.waitForLog((l) => l.msg === 'list or watch failed: retrying' && /ECONNREFUSED/.test(l.error));
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      assert.equal(ready.status, 503);
      const body = (await ready.json()) as { status: string; clusters: Record<string, string> };
      assert.equal(body.status, 'not ready');
      assert.match(body.clusters[apps], /^no complete list yet: .*ECONNREFUSED/);
      assert.equal((await fetch(`http://127.0.0.1:${port}/live`)).status, 200);
    } finally {
      watcher.child.kill('SIGTERM');
      await watcher.exit();
      await dir.remove();
    }
  });
});

/** Running units per cluster ARN and namespace, read with a key of the account that may query. */
async function usageAs(server: TestServer, resourceId: string) {
  const reader = newAccessKey(account, 'read', Date.now());
  await server.store.createAccessKey(reader);
  const out = await inspector2Client(server.url, reader.access_key_id, 'us-west-2', reader.secret_access_key).send(new GetClustersForImageCommand({ filter: { resourceId } }));
  return Object.fromEntries((out.cluster ?? []).flatMap((c) => (c.clusterDetails ?? []).map((d) => [`${c.clusterArn}/${d.clusterMetadata!.awsEksMetadataDetails!.namespace}`, d.runningUnitCount!])));
}
