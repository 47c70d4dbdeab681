// Proves the Kubernetes API double speaks the documented list/watch wire behaviour by driving it with
// the real @kubernetes/client-node, the same library the watcher under test uses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { kubeconfigFor, startKubernetesApiDouble, type KubernetesApiDouble } from './doubles/kubernetes-api.ts';

const pod = (namespace: string, name: string, image = 'nginx:1.27') =>
  ({ metadata: { namespace, name }, spec: { containers: [{ name: 'main', image }] } });

/** Starts a double, hands the test a KubeConfig pointing at it, and always stops it afterwards. */
async function withDouble(fn: (double: KubernetesApiDouble, kc: KubeConfig) => Promise<void>, options = {}): Promise<void> {
  const double = await startKubernetesApiDouble(options);
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigFor(double.url, ['kind-a', 'kind-b'], 'kind-b'));
  try { await fn(double, kc); } finally { await double.close(); }
}

/** Opens a pod watch with the library and collects what reaches its callback and its done. */
async function watchPods(kc: KubeConfig, params: Record<string, string | number | boolean | undefined>) {
  const events: { type: string; object: any }[] = [];
  let finish: (err: any) => void = () => undefined;
  const done = new Promise<any>((resolve) => { finish = resolve; });
  await new Watch(kc).watch('/api/v1/pods', { allowWatchBookmarks: true, timeoutSeconds: 1, ...params },
    (type, object) => events.push({ type, object }), (err) => finish(err));
  return { events, done };
}

async function until(condition: () => boolean, ms = 1000): Promise<void> {
  for (const start = Date.now(); !condition(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
  }
}

const names = (items: any[]) => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

test('kubeconfigFor gives one cluster per context and the chosen current context', () => {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigFor('http://127.0.0.1:1', ['kind-a', 'prod "eu"'], 'prod "eu"'));
  assert.deepEqual(kc.getContexts().map((c) => c.name), ['kind-a', 'prod "eu"']);
  assert.equal(kc.getCurrentCluster()?.server, 'http://127.0.0.1:1');
  assert.equal(kc.getCurrentCluster()?.skipTLSVerify, true);
});

test('paged lists come from one snapshot even when pods change between pages', () => withDouble(async (double, kc) => {
  for (const [ns, name] of [['b', 'p2'], ['a', 'p1'], ['b', 'p1'], ['a', 'p2'], ['c', 'p1']]) double.upsertPod(pod(ns, name));
  const api = kc.makeApiClient(CoreV1Api);
  const first = await api.listPodForAllNamespaces({ limit: 2 });
  assert.deepEqual(names(first.items), ['a/p1', 'a/p2']);
  assert.equal(first.metadata?.remainingItemCount, 3);
  const snapshotRv = first.metadata?.resourceVersion;
  double.upsertPod(pod('b', 'p2', 'nginx:1.28'));
  double.deletePod('c', 'p1');
  double.upsertPod(pod('b', 'p0'));
  const second = await api.listPodForAllNamespaces({ limit: 2, _continue: first.metadata?._continue });
  const third = await api.listPodForAllNamespaces({ limit: 2, _continue: second.metadata?._continue });
  assert.deepEqual([second, third].map((l) => l.metadata?.resourceVersion), [snapshotRv, snapshotRv]);
  assert.deepEqual(names([...second.items, ...third.items]), ['b/p1', 'b/p2', 'c/p1']);
  assert.equal(second.items[1].spec?.containers[0].image, 'nginx:1.27');
  assert.equal(third.metadata?._continue, undefined);
  assert.equal((second.items[0] as any).kind, undefined, 'list items omit kind');
  const fresh = await api.listPodForAllNamespaces({});
  assert.deepEqual(names(fresh.items), ['a/p1', 'a/p2', 'b/p0', 'b/p1', 'b/p2']);
  assert.equal(fresh.metadata?.resourceVersion, double.resourceVersion());
  assert.deepEqual(double.requests[1], { method: 'GET', path: '/api/v1/pods', query: { limit: '2', continue: first.metadata?._continue }, at: double.requests[1].at });
}));

test('a continue token from before compact() is answered 410 Expired', () => withDouble(async (double, kc) => {
  for (const name of ['p1', 'p2', 'p3']) double.upsertPod(pod('default', name));
  const api = kc.makeApiClient(CoreV1Api);
  const first = await api.listPodForAllNamespaces({ limit: 1 });
  double.compact();
  const err: any = await api.listPodForAllNamespaces({ limit: 1, _continue: first.metadata?._continue }).catch((e) => e);
  assert.equal(err.code, 410);
  const body = JSON.parse(err.body);
  assert.equal(body.reason, 'Expired');
  assert.equal(body.message, 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
}));

test('pageSizeLimit makes the server return smaller pages than asked', () => withDouble(async (double, kc) => {
  for (const name of ['p1', 'p2', 'p3']) double.upsertPod(pod('default', name));
  const page = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default', limit: 500 });
  assert.equal(page.items.length, 2);
  assert.ok(page.metadata?._continue);
}, { pageSizeLimit: 2 }));

test('one resourceVersion counter is shared by pods, ReplicaSets and Jobs', () => withDouble(async (double, kc) => {
  double.upsertPod(pod('default', 'p1'));
  const rs = double.upsertReplicaSet({ metadata: { namespace: 'default', name: 'web-5d4f' }, spec: { replicas: 1 } });
  const job = double.upsertJob({ metadata: { namespace: 'batch', name: 'nightly' }, spec: {} });
  assert.deepEqual([rs.metadata.resourceVersion, job.metadata.resourceVersion].map(Number), [Number(double.resourceVersion()) - 1, Number(double.resourceVersion())]);
  const rsList = await kc.makeApiClient(AppsV1Api).listReplicaSetForAllNamespaces({});
  const jobList = await kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: 'batch' });
  assert.deepEqual([rsList.metadata?.resourceVersion, jobList.metadata?.resourceVersion], [double.resourceVersion(), double.resourceVersion()]);
  assert.deepEqual([names(rsList.items), names(jobList.items)], [['default/web-5d4f'], ['batch/nightly']]);
}));

test('a watch replays history after its resourceVersion, then streams live events and bookmarks', () => withDouble(async (double, kc) => {
  double.upsertPod(pod('default', 'old'));
  const from = double.resourceVersion();
  double.upsertPod(pod('default', 'a'));
  double.upsertReplicaSet({ metadata: { namespace: 'default', name: 'not-a-pod' } });
  double.upsertPod(pod('default', 'a', 'nginx:1.28'));
  const { events, done } = await watchPods(kc, { resourceVersion: from });
  double.deletePod('default', 'a');
  double.upsertPod(pod('kube-system', 'b'));
  double.bookmark();
  await until(() => events.length === 5);
  assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`.trim()), ['ADDED a', 'MODIFIED a', 'DELETED a', 'ADDED b', 'BOOKMARK']);
  assert.deepEqual([events[0].object.kind, events[0].object.apiVersion], ['Pod', 'v1']);
  assert.equal(events[2].object.metadata.resourceVersion, String(Number(events[1].object.metadata.resourceVersion) + 1));
  assert.deepEqual(events[4].object, { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: double.resourceVersion() } });
  assert.equal(double.openWatches(), 1);
  double.closeWatches();
  assert.equal(await done, null);
}));

test('a watch from before compact() gets one ERROR 410 Expired event, then the stream ends', () => withDouble(async (double, kc) => {
  double.upsertPod(pod('default', 'p1'));
  const from = double.resourceVersion();
  double.upsertPod(pod('default', 'p2'));
  double.compact();
  const { events, done } = await watchPods(kc, { resourceVersion: from });
  assert.equal(await done, null);
  assert.deepEqual(events, [{ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `too old resource version: ${from} (${double.resourceVersion()})`, reason: 'Expired', code: 410 } }]);
}));

test('injected HTTP errors reach done as an Error with statusCode', () => withDouble(async (double, kc) => {
  double.injectFault({ resource: 'pods', watch: true }, { status: 403 });
  double.injectFault({ resource: 'pods', watch: true }, { status: 429, retryAfterSeconds: 2 });
  const forbidden = await (await watchPods(kc, {})).done;
  const throttled = await (await watchPods(kc, {})).done;
  assert.deepEqual([forbidden.statusCode, forbidden.message], [403, 'Forbidden']);
  assert.deepEqual([throttled.statusCode, throttled.message], [429, 'Too Many Requests']);
  // Only the generated list client exposes the Status body and Retry-After.
  double.injectFault({ resource: 'pods' }, { status: 429, retryAfterSeconds: 2 });
  double.injectFault({ watch: false }, { status: 403 });
  const api = kc.makeApiClient(CoreV1Api);
  const err: any = await api.listPodForAllNamespaces({}).catch((e) => e);
  assert.deepEqual([err.code, err.headers['retry-after'], JSON.parse(err.body).reason], [429, '2', 'TooManyRequests']);
  const denied: any = await api.listNamespacedPod({ namespace: 'shop' }).catch((e) => e);
  assert.equal(JSON.parse(denied.body).message, 'pods is forbidden: User "system:serviceaccount:imagescope:watcher" cannot list resource "pods" in API group "" in the namespace "shop"');
  assert.equal((await api.listPodForAllNamespaces({})).items.length, 0, 'faults are used up');
}));

test('a watch cut mid-stream delivers its events, then reaches done', () => withDouble(async (double, kc) => {
  double.upsertPod(pod('default', 'p1'));
  const from = double.resourceVersion();
  for (const name of ['p2', 'p3', 'p4']) double.upsertPod(pod('default', name));
  double.injectFault({ watch: true }, { destroyAfterEvents: 2 });
  const { events, done } = await watchPods(kc, { resourceVersion: from });
  const err = await done;
  assert.ok(err === null || err instanceof Error, `done got ${err}`);
  assert.deepEqual(events.map((e) => e.object.metadata.name), ['p2', 'p3']);
  assert.equal(double.openWatches(), 0);
}));

test('watchError410 and silent faults, and a clean end at timeoutSeconds', () => withDouble(async (double, kc) => {
  double.injectFault({ watch: true }, { watchError410: true });
  double.injectFault({ watch: true }, { silent: true });
  const expired = await watchPods(kc, { resourceVersion: double.resourceVersion() });
  assert.equal(await expired.done, null);
  assert.equal(expired.events[0].object.code, 410);
  const silent = await watchPods(kc, {});
  const timed = await watchPods(kc, { resourceVersion: double.resourceVersion() });
  double.upsertPod(pod('default', 'p1'));
  const started = Date.now();
  assert.equal(await timed.done, null);
  assert.ok(Date.now() - started > 800, 'ended by timeoutSeconds');
  assert.deepEqual([timed.events.length, silent.events.length, double.openWatches()], [1, 0, 1]);
  double.closeWatches();
  assert.equal(double.openWatches(), 1, 'a silent watch only ends with close()');
  assert.deepEqual(double.requests.map((r) => r.query.watch), ['true', 'true', 'true']);
}));

test('unknown paths are 404 Status', () => withDouble(async (double) => {
  const res = await fetch(`${double.url}/api/v1/services`);
  assert.equal(res.status, 404);
  assert.equal((await res.json()).reason, 'NotFound');
}));
