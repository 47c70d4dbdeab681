// Proves the Kubernetes API double speaks the documented list/watch wire behaviour by driving it with
// the real @kubernetes/client-node, the same library the watcher under test uses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { kubeconfigFor, startKubernetesApiDouble, type KubernetesApiDouble } from './doubles/kubernetes-api.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';

const pod = (namespace: string, name: string, image = 'nginx:1.27') =>
  ({ metadata: { namespace, name }, spec: { containers: [{ name: 'main', image }] } });

/** Starts a double, hands the test a KubeConfig pointing at it, and always stops it afterwards. */
async function withDouble(fn: (double: KubernetesApiDouble, kc: KubeConfig) => Promise<void>, options = {}): Promise<void> {
  const double = await startKubernetesApiDouble(options);
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigFor(double.url, ['kind-a', 'kind-b'], 'kind-b'));
  try { await fn(double, kc); } finally { await double.close(); }
}

/** Opens a pod watch (or one of `path`) with the library and collects what reaches its callback and its done. */
async function watchPods(kc: KubeConfig, params: Record<string, string | number | boolean | undefined>, path = '/api/v1/pods') {
  const events: { type: string; object: any }[] = [];
  let finish: (err: any) => void = () => undefined;
  const done = new Promise<any>((resolve) => { finish = resolve; });
  await new Watch(kc).watch(path, { allowWatchBookmarks: true, timeoutSeconds: 1, ...params },
    (type, object) => events.push({ type, object }), (err) => finish(err));
  return { events, done };
}

async function until(condition: () => boolean, ms = 1000): Promise<void> {
  for (const start = Date.now(); !condition(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
  }
}

const names = (items: any[]) => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);

const VR = { group: 'aquasecurity.github.io', version: 'v1alpha1', plural: 'vulnerabilityreports' };
const VR_PATH = '/apis/aquasecurity.github.io/v1alpha1/vulnerabilityreports';
const NOT_FOUND = '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}';
/** Real trivy-operator reports, read in place from ../shared/fixtures (which fails loudly when absent). */
function trivyReports() {
  const read = (file: string) => readFixture(sharedFixture(`trivy-operator/${file}`));
  const many = JSON.parse(read('vulnerabilityreport_many.json'));
  const basic = parseYaml(read('docs-vulnerability-report-basic.yaml'));
  assert.deepEqual([many.kind, basic.kind, many.report.vulnerabilities.length, basic.report.vulnerabilities.length], ['VulnerabilityReport', 'VulnerabilityReport', 41, 2]);
  return { many, basic };
}
/** A real report under another namespace and name (and a fresh uid), so one fixture stands for several. */
const rehome = (report: any, namespace: string, name: string) =>
  ({ ...report, metadata: { ...report.metadata, namespace, name, uid: undefined } });

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

test('VulnerabilityReports list in pages from one snapshot, items keeping kind and the whole report', () => withDouble(async (double, kc) => {
  const { many, basic } = trivyReports();
  double.upsertVulnerabilityReport(many);
  double.upsertVulnerabilityReport(basic);
  double.upsertVulnerabilityReport(rehome(many, 'shop', 'replicaset-cart-7d9f-cart'));
  double.upsertVulnerabilityReport(rehome(basic, 'ci', 'job-build-5x2k-build'));
  double.upsertPod(pod('default', 'p1'));
  const api = kc.makeApiClient(CustomObjectsApi);
  // CustomObjectsApi returns the body untyped, so its token is metadata.continue, not the typed _continue.
  const first = await api.listClusterCustomObject({ ...VR, limit: 2 });
  assert.deepEqual([first.kind, first.apiVersion], ['VulnerabilityReportList', 'aquasecurity.github.io/v1alpha1']);
  assert.deepEqual(names(first.items), ['ci/job-build-5x2k-build', 'default/replicaset-nginx-6d4cf56db6-nginx']);
  assert.deepEqual([first.metadata.remainingItemCount, first.metadata.resourceVersion], [2, double.resourceVersion()]);
  assert.deepEqual([first.items[1].kind, first.items[1].apiVersion], ['VulnerabilityReport', 'aquasecurity.github.io/v1alpha1'], 'custom resource list items keep kind');
  assert.equal(first.items[1].metadata.uid, basic.metadata.uid);
  assert.notEqual(first.items[0].metadata.uid, basic.metadata.uid, 'a re-homed copy gets its own uid');
  double.deleteVulnerabilityReport('shop', 'replicaset-cart-7d9f-cart');
  const second = await api.listClusterCustomObject({ ...VR, limit: 2, _continue: first.metadata.continue });
  assert.deepEqual(names(second.items), ['default/replicaset-nginx-deployment-965685897-nginx', 'shop/replicaset-cart-7d9f-cart']);
  assert.deepEqual([second.metadata.resourceVersion, second.metadata.continue], [first.metadata.resourceVersion, undefined]);
  assert.deepEqual(second.items[0].report, many.report);
  const shop = await api.listNamespacedCustomObject({ ...VR, namespace: 'shop' });
  assert.deepEqual([shop.items.length, shop.metadata.resourceVersion], [0, double.resourceVersion()]);
  assert.deepEqual(double.requests.map((r) => r.path), [VR_PATH, VR_PATH, '/apis/aquasecurity.github.io/v1alpha1/namespaces/shop/vulnerabilityreports']);
  const again = await api.listClusterCustomObject({ ...VR, limit: 1 });
  double.compact();
  const err: any = await api.listClusterCustomObject({ ...VR, limit: 1, _continue: again.metadata.continue }).catch((e) => e);
  assert.deepEqual([err.code, JSON.parse(err.body).reason], [410, 'Expired']);
}));

test('a VulnerabilityReport watch sees ADDED, MODIFIED and a TTL deletion\'s DELETED, and bookmarks', () => withDouble(async (double, kc) => {
  const { many, basic } = trivyReports();
  const from = double.resourceVersion();
  double.upsertVulnerabilityReport(basic);
  const { events, done } = await watchPods(kc, { resourceVersion: from }, '/apis/aquasecurity.github.io/v1alpha1/namespaces/default/vulnerabilityreports');
  double.upsertPod(pod('default', 'not-a-report'));
  double.upsertVulnerabilityReport(many);
  double.upsertVulnerabilityReport(rehome(many, 'shop', 'other-namespace'));
  double.upsertVulnerabilityReport({ ...basic, report: { ...basic.report, summary: { ...basic.report.summary, criticalCount: 3 } } });
  double.deleteVulnerabilityReport('default', many.metadata.name);
  double.bookmark();
  await until(() => events.length === 5);
  assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`.trim()), [
    `ADDED ${basic.metadata.name}`, `ADDED ${many.metadata.name}`, `MODIFIED ${basic.metadata.name}`, `DELETED ${many.metadata.name}`, 'BOOKMARK']);
  assert.deepEqual([events[0].object.kind, events[0].object.apiVersion], ['VulnerabilityReport', 'aquasecurity.github.io/v1alpha1']);
  assert.deepEqual([events[2].object.report.summary.criticalCount, events[2].object.metadata.uid], [3, basic.metadata.uid]);
  assert.equal(events[3].object.metadata.annotations['trivy-operator.aquasecurity.github.io/report-ttl'], '24h0m0s', 'DELETED carries the last state');
  assert.equal(events[3].object.report.vulnerabilities.length, 41);
  assert.deepEqual(events[4].object, { kind: 'VulnerabilityReport', apiVersion: 'aquasecurity.github.io/v1alpha1', metadata: { resourceVersion: double.resourceVersion() } });
  double.closeWatches();
  assert.equal(await done, null);
}));

test('without the CRD installed, VulnerabilityReport list and watch are 404 NotFound', () => withDouble(async (double, kc) => {
  const { basic } = trivyReports();
  double.upsertVulnerabilityReport(basic);
  const open = await watchPods(kc, { resourceVersion: double.resourceVersion() }, VR_PATH);
  double.setCustomResourceInstalled(false);
  assert.equal(await open.done, null, 'uninstalling ends open watches');
  assert.deepEqual(open.events.map((e) => `${e.type} ${e.object.metadata.name}`), [`DELETED ${basic.metadata.name}`]);
  const api = kc.makeApiClient(CustomObjectsApi);
  const listed: any = await api.listClusterCustomObject(VR).catch((e) => e);
  const namespaced: any = await api.listNamespacedCustomObject({ ...VR, namespace: 'default' }).catch((e) => e);
  assert.deepEqual([listed.code, listed.body, namespaced.code, namespaced.body], [404, NOT_FOUND, 404, NOT_FOUND]);
  const watched = await (await watchPods(kc, {}, VR_PATH)).done;
  assert.deepEqual([watched.statusCode, watched.message], [404, 'Not Found']);
  const raw = await fetch(`${double.url}/apis/aquasecurity.github.io/v1alpha1/namespaces/default/vulnerabilityreports?watch=true`);
  assert.deepEqual([raw.status, raw.headers.get('content-type'), await raw.text()], [404, 'application/json', NOT_FOUND]);
  assert.throws(() => double.upsertVulnerabilityReport(basic), /CRD is not installed/);
  assert.equal((await kc.makeApiClient(CoreV1Api).listPodForAllNamespaces({})).kind, 'PodList', 'built-in resources are still served');
  double.setCustomResourceInstalled(true);
  const reinstalled = await api.listClusterCustomObject(VR);
  assert.deepEqual(reinstalled.items, [], 'the CRD\'s removal deleted its reports');
}));

test('injected faults on VulnerabilityReports: a 403 naming the group, and 429, 500, 503', () => withDouble(async (double, kc) => {
  double.injectFault({ resource: 'vulnerabilityreports', watch: false }, { status: 403 });
  double.injectFault({ resource: 'vulnerabilityreports', watch: true }, { status: 403 }, 2);
  const api = kc.makeApiClient(CustomObjectsApi);
  const denied: any = await api.listClusterCustomObject(VR).catch((e) => e);
  assert.deepEqual(JSON.parse(denied.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: 'vulnerabilityreports.aquasecurity.github.io is forbidden: User "system:serviceaccount:imagescope:watcher" cannot list resource "vulnerabilityreports" in API group "aquasecurity.github.io" at the cluster scope',
    reason: 'Forbidden', details: { group: 'aquasecurity.github.io', kind: 'vulnerabilityreports' }, code: 403 });
  const forbidden = await (await watchPods(kc, {}, VR_PATH)).done;
  assert.deepEqual([forbidden.statusCode, forbidden.message], [403, 'Forbidden']);
  const raw = await fetch(`${double.url}/apis/aquasecurity.github.io/v1alpha1/namespaces/shop/vulnerabilityreports?watch=1`);
  assert.equal((await raw.json()).message, 'vulnerabilityreports.aquasecurity.github.io is forbidden: User "system:serviceaccount:imagescope:watcher" cannot watch resource "vulnerabilityreports" in API group "aquasecurity.github.io" in the namespace "shop"');
  for (const code of [429, 500, 503] as const) double.injectFault({ resource: 'vulnerabilityreports' }, { status: code });
  double.injectFault({ resource: 'pods' }, { status: 500 });
  const codes: number[] = [];
  for (let i = 0; i < 3; i++) codes.push(await api.listNamespacedCustomObject({ ...VR, namespace: 'shop' }).then(() => 200, (e: any) => e.code));
  assert.deepEqual(codes, [429, 500, 503]);
  assert.deepEqual((await api.listClusterCustomObject(VR)).items, [], 'a pods fault does not reach VulnerabilityReports');
}));

test('a VulnerabilityReport watch from before compact() gets one ERROR 410 Expired event', () => withDouble(async (double, kc) => {
  const { many, basic } = trivyReports();
  double.upsertVulnerabilityReport(basic);
  const from = double.resourceVersion();
  double.upsertVulnerabilityReport(many);
  double.compact();
  const { events, done } = await watchPods(kc, { resourceVersion: from }, VR_PATH);
  assert.equal(await done, null);
  assert.deepEqual(events, [{ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `too old resource version: ${from} (${double.resourceVersion()})`, reason: 'Expired', code: 410 } }]);
  assert.deepEqual(double.requests.map((r) => [r.path, r.query.resourceVersion]), [[VR_PATH, from]]);
}));
