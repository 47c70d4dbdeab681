// A test double of the Kubernetes API server's list and watch wire behaviour for pods, ReplicaSets,
// Jobs and trivy-operator's VulnerabilityReports (a custom resource). A cluster cannot run here, so
// this stands in for it at the wire, written to the "API concepts" documentation (efficient detection
// of changes, watch bookmarks, retrieving large results in chunks, resource versions) and driven in
// tests by the real @kubernetes/client-node.
//
// Also served: the discovery document of trivy-operator's API group (while its CRD is installed), a
// list as metadata only (`Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`,
// the items' metadata alone), and the get of one object by name (404 NotFound worded as the
// apiserver words it).
//
// Not emulated: authentication and authorization (403 exists only when injected), label and field
// selectors, resourceVersionMatch, sendInitialEvents, create/update/delete verbs, protobuf, table
// output. A watch from resourceVersion "0" or none starts from now, without the synthetic
// ADDED events a real server sends for the current state: the watcher under test always watches
// from its list's resourceVersion.
//
// Custom resources (VulnerabilityReport) are served only while their CRD is installed (the default);
// otherwise their paths answer 404 NotFound as an unknown path does, before any injected fault, and
// upserts throw. Uninstalling deletes their objects (DELETED events, as the CRD's cleanup finalizer
// does) and ends their open watches. Unlike built-in types, their list items carry kind and apiVersion.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest { method: string; path: string; query: Record<string, string>; at: number }
export type Fault =
  | { status: 403 | 429 | 500 | 410 | 503; retryAfterSeconds?: number }
  | { watchError410: true }
  | { destroyAfterEvents: number }
  | { silent: true }
  /** A watch that ends cleanly as soon as it starts, saying nothing (an apiserver going away gracefully). */
  | { closeAtOnce: true };
export interface KubernetesApiDouble {
  url: string;
  requests: RecordedRequest[];
  upsertPod(pod: any): any;
  deletePod(namespace: string, name: string): void;
  upsertReplicaSet(rs: any): any;
  deleteReplicaSet(namespace: string, name: string): void;
  upsertJob(job: any): any;
  deleteJob(namespace: string, name: string): void;
  upsertVulnerabilityReport(report: any): any;
  deleteVulnerabilityReport(namespace: string, name: string): void;
  setCustomResourceInstalled(installed: boolean): void;
  resourceVersion(): string;
  compact(): void;
  bookmark(): void;
  closeWatches(): void;
  injectFault(match: FaultMatch, fault: Fault, times?: number): void;
  /** Forgets every injected fault not yet used up. */
  clearFaults(): void;
  openWatches(): number;
  close(): Promise<void>;
}

type Resource = 'pods' | 'replicasets' | 'jobs' | 'vulnerabilityreports';
type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * What a resource looks like on the wire; `group` is the API group the 403 message names; `custom`
 * marks a resource served from a CRD, which setCustomResourceInstalled() can remove.
 */
const RESOURCES: Record<Resource, { kind: string; apiVersion: string; group: string; prefix: string; custom?: true }> = {
  pods: { kind: 'Pod', apiVersion: 'v1', group: '', prefix: '/api/v1' },
  replicasets: { kind: 'ReplicaSet', apiVersion: 'apps/v1', group: 'apps', prefix: '/apis/apps/v1' },
  jobs: { kind: 'Job', apiVersion: 'batch/v1', group: 'batch', prefix: '/apis/batch/v1' },
  vulnerabilityreports: { kind: 'VulnerabilityReport', apiVersion: 'aquasecurity.github.io/v1alpha1', group: 'aquasecurity.github.io', prefix: '/apis/aquasecurity.github.io/v1alpha1', custom: true },
};
const ROUTE = /^(\/api\/v1|\/apis\/apps\/v1|\/apis\/batch\/v1|\/apis\/aquasecurity\.github\.io\/v1alpha1)(?:\/namespaces\/([^/]+))?\/(pods|replicasets|jobs|vulnerabilityreports)(?:\/([^/]+))?$/;
const USER = 'system:serviceaccount:imagescope:watcher';
const NOT_FOUND = 'the server could not find the requested resource';
const CONTINUE_EXPIRED = 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';

interface Route { resource: Resource; namespace?: string; name?: string }
interface HistoryEvent { rv: number; resource: Resource; namespace: string; type: EventType; object: any }
interface OpenWatch { route: Route; res: ServerResponse; bookmarks: boolean; silent: boolean; destroyAfter?: number; timer?: NodeJS.Timeout }
/** `continued`: only a list request that does (true) or does not (false) carry a continue token. */
interface FaultMatch { resource?: Resource; watch?: boolean; continued?: boolean }
interface Injection { match: FaultMatch; fault: Fault; remaining: number }

/** The v1 Status every error is rendered as, fields in the order the real server writes them. */
function status(code: number, reason: string, message: string, details?: object): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function sendJson(res: ServerResponse, code: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', ...headers });
  res.end(JSON.stringify(body));
}

/** Cuts the connection once the headers are on the wire, without the terminating chunk. */
const destroyAfterFlush = ({ socket }: ServerResponse) => void socket?.write('', () => socket.destroy());

function parseRoute(path: string): Route | undefined {
  const m = ROUTE.exec(path);
  if (!m || RESOURCES[m[3] as Resource].prefix !== m[1] || (m[4] && !m[2])) return undefined;
  return { resource: m[3] as Resource, namespace: m[2] && decodeURIComponent(m[2]), name: m[4] && decodeURIComponent(m[4]) };
}

/** Lists come back sorted by namespace then name, as etcd's key order (/registry/pods/<ns>/<name>) gives them. */
function byKey(a: any, b: any): number {
  const ka = `${a.metadata.namespace}/${a.metadata.name}`, kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The continue token is opaque to clients; like the real one it is base64 JSON naming the snapshot's rv. */
const encodeToken = (rv: number, start: number) => Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64');
function decodeToken(token: string): { rv: number; start: number } | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    return Number.isInteger(t.rv) && Number.isInteger(t.start) ? t : undefined;
  } catch { return undefined; }
}

/** The HTTP status a status fault answers with, worded as the real apiserver words it. */
function faultResponse(fault: { status: number; retryAfterSeconds?: number }, route: Route, watch: boolean, continued: boolean): { body: object; headers: Record<string, string> } {
  const retry = fault.retryAfterSeconds ?? (fault.status === 429 ? 1 : undefined);
  const headers: Record<string, string> = retry === undefined ? {} : { 'Retry-After': String(retry) };
  const { resource, namespace } = route;
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  const verb = watch ? 'watch' : 'list';
  // The apiserver names the group-qualified resource ("replicasets.apps"), as schema.GroupResource prints it.
  const { group } = RESOURCES[resource];
  const qualified = group ? `${resource}.${group}` : resource;
  const bodies: Record<number, object> = {
    403: status(403, 'Forbidden', `${qualified} is forbidden: User "${USER}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`, group ? { group, kind: resource } : { kind: resource }),
    410: status(410, 'Expired', continued ? CONTINUE_EXPIRED : 'The resourceVersion for the provided list is too old.'),
    429: status(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: retry }),
    500: status(500, 'InternalError', 'Internal error occurred: injected by the test double'),
    503: status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'),
  };
  return { body: bodies[fault.status], headers };
}

export async function startKubernetesApiDouble(options: { pageSizeLimit?: number } = {}): Promise<KubernetesApiDouble> {
  const stores: Record<Resource, Map<string, any>> = { pods: new Map(), replicasets: new Map(), jobs: new Map(), vulnerabilityreports: new Map() };
  const requests: RecordedRequest[] = [];
  const injections: Injection[] = [];
  const watches = new Set<OpenWatch>();
  const sockets = new Set<Socket>();
  // List snapshots kept for continue tokens, keyed "<resource>@<rv>" (all namespaces; filtered on read).
  const snapshots = new Map<string, any[]>();
  let history: HistoryEvent[] = [];
  // One counter for all resources, as etcd's revision is shared by every key in the cluster.
  let revision = 1;
  let compactedRevision = 0;
  let customResourcesInstalled = true;
  const served = (resource: Resource) => customResourcesInstalled || !RESOURCES[resource].custom;

  const withKind = (resource: Resource, obj: any) => ({ kind: RESOURCES[resource].kind, apiVersion: RESOURCES[resource].apiVersion, ...obj });
  const matches = (route: Route, resource: Resource, namespace: string) => route.resource === resource && (!route.namespace || route.namespace === namespace);

  function upsert(resource: Resource, input: any): any {
    const obj = structuredClone(input);
    delete obj.kind;
    delete obj.apiVersion;
    const meta = (obj.metadata ??= {});
    if (!meta.name) throw new Error(`the double needs metadata.name to store a ${RESOURCES[resource].kind}`);
    if (!served(resource)) throw new Error(`the ${RESOURCES[resource].kind} CRD is not installed: call setCustomResourceInstalled(true) first`);
    meta.namespace ??= 'default';
    const key = `${meta.namespace}/${meta.name}`;
    const existing = stores[resource].get(key);
    meta.uid ??= existing?.metadata.uid ?? randomUUID();
    meta.creationTimestamp ??= existing?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    meta.resourceVersion = String(++revision);
    stores[resource].set(key, obj);
    record(resource, existing ? 'MODIFIED' : 'ADDED', obj);
    return structuredClone(obj);
  }

  function remove(resource: Resource, namespace: string, name: string): void {
    const existing = stores[resource].get(`${namespace}/${name}`);
    if (!existing) throw new Error(`${resource} "${name}" not found in namespace "${namespace}"`);
    stores[resource].delete(`${namespace}/${name}`);
    // The DELETED event carries the object's last state at the deletion's own revision.
    existing.metadata.resourceVersion = String(++revision);
    record(resource, 'DELETED', existing);
  }

  function record(resource: Resource, type: EventType, obj: any): void {
    const event: HistoryEvent = { rv: revision, resource, namespace: obj.metadata.namespace, type, object: withKind(resource, structuredClone(obj)) };
    history.push(event);
    for (const w of watches) if (matches(w.route, resource, event.namespace)) send(w, type, event.object);
  }

  function send(w: OpenWatch, type: EventType, object: any): void {
    if (w.silent || !watches.has(w)) return;
    const last = w.destroyAfter !== undefined && --w.destroyAfter <= 0;
    // Destroy only once the line is flushed, so the client sees n whole events and then a cut stream.
    w.res.write(JSON.stringify({ type, object }) + '\n', () => last && w.res.socket?.destroy());
    if (last) forget(w);
  }

  const forget = (w: OpenWatch) => { clearTimeout(w.timer); watches.delete(w); };
  const end = (w: OpenWatch) => { forget(w); w.res.end(); };

  function takeFault(resource: Resource, watch: boolean, continued: boolean): Fault | undefined {
    const watchOnly = (f: Fault) => !('status' in f);
    const found = injections.find(({ match, fault, remaining }) => remaining > 0 && (match.resource ?? resource) === resource
      && (match.watch ?? watch) === watch && (watch || !watchOnly(fault)) && (match.continued ?? continued) === continued);
    if (found) found.remaining--;
    return found?.fault;
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://double');
    const query = Object.fromEntries(url.searchParams);
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query, at: Date.now() });
    if (url.pathname === '/apis/aquasecurity.github.io/v1alpha1') return discovery(res);
    const route = parseRoute(url.pathname);
    if (!route || !served(route.resource)) return sendJson(res, 404, status(404, 'NotFound', NOT_FOUND, {}));
    if (req.method !== 'GET') return sendJson(res, 405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}));
    // A get is never faulted: injected faults are about lists and watches.
    if (route.name) return get(route, res);
    const watch = query.watch === 'true' || query.watch === '1';
    const continued = !watch && !!query.continue;
    const fault = takeFault(route.resource, watch, continued);
    if (fault && 'status' in fault) {
      const { body, headers } = faultResponse(fault, route, watch, continued);
      return sendJson(res, fault.status, body, headers);
    }
    const metadataOnly = /as=PartialObjectMetadataList/.test(String(req.headers.accept ?? ''));
    return watch ? startWatch(route, query, res, fault) : list(route, query, res, metadataOnly);
  }

  /** The API group's discovery document, served while its CRD is installed (404 otherwise, as for any path). */
  function discovery(res: ServerResponse): void {
    if (!served('vulnerabilityreports')) return sendJson(res, 404, status(404, 'NotFound', NOT_FOUND, {}));
    sendJson(res, 200, {
      kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'aquasecurity.github.io/v1alpha1',
      resources: [{ name: 'vulnerabilityreports', singularName: 'vulnerabilityreport', namespaced: true, kind: 'VulnerabilityReport', verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'], shortNames: ['vuln', 'vulns'] }],
    });
  }

  function get(route: Route, res: ServerResponse): void {
    const found = stores[route.resource].get(`${route.namespace}/${route.name}`);
    const { group } = RESOURCES[route.resource];
    if (!found) return sendJson(res, 404, status(404, 'NotFound', `${route.resource}${group ? `.${group}` : ''} "${route.name}" not found`, { name: route.name, ...(group && { group }), kind: route.resource }));
    sendJson(res, 200, withKind(route.resource, found));
  }

  function list(route: Route, query: Record<string, string>, res: ServerResponse, metadataOnly: boolean): void {
    const { kind, apiVersion, custom } = RESOURCES[route.resource];
    let rv = revision, start = 0;
    let items: any[];
    if (query.continue) {
      const token = decodeToken(query.continue);
      if (!token) return sendJson(res, 400, status(400, 'BadRequest', `continue key is not valid: ${query.continue}`));
      const kept = snapshots.get(`${route.resource}@${token.rv}`);
      if (token.rv < compactedRevision || !kept) return sendJson(res, 410, status(410, 'Expired', CONTINUE_EXPIRED));
      [rv, start, items] = [token.rv, token.start, kept];
    } else {
      // Sorted once per list: a 50,000-pod benchmark pages through the kept snapshot.
      items = [...stores[route.resource].values()].sort(byKey);
    }
    const visible = route.namespace ? items.filter((o) => o.metadata.namespace === route.namespace) : items;
    // pageSizeLimit lets a test make the server return fewer items than asked, which the docs allow;
    // an unlimited list is never paged, as on a real server.
    const asked = Number(query.limit) > 0 ? Number(query.limit) : Infinity;
    const limit = asked === Infinity ? Infinity : Math.min(asked, options.pageSizeLimit ?? Infinity);
    const page = visible.slice(start, start + limit);
    const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
    const next = start + page.length;
    if (next < visible.length) {
      const key = `${route.resource}@${rv}`;
      if (!snapshots.has(key)) snapshots.set(key, items.map((o) => structuredClone(o)));
      Object.assign(metadata, { continue: encodeToken(rv, next), remainingItemCount: visible.length - next });
    }
    if (metadataOnly) {
      const partial = page.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }));
      return sendJson(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items: partial });
    }
    sendJson(res, 200, { kind: `${kind}List`, apiVersion, metadata, items: custom ? page.map((o) => withKind(route.resource, o)) : page });
  }

  function startWatch(route: Route, query: Record<string, string>, res: ServerResponse, fault?: Fault): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const asked = query.resourceVersion ?? '0';
    const from = Number(asked);
    if ((fault && 'watchError410' in fault) || (from > 0 && from < compactedRevision)) {
      const oldest = Math.max(compactedRevision, from + 1);
      res.end(JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${asked} (${oldest})`) }) + '\n');
      return;
    }
    if (fault && 'closeAtOnce' in fault) return void res.end();
    const destroyAfter = fault && 'destroyAfterEvents' in fault ? fault.destroyAfterEvents : undefined;
    if (destroyAfter !== undefined && destroyAfter <= 0) return destroyAfterFlush(res);
    const w: OpenWatch = { route, res, bookmarks: query.allowWatchBookmarks === 'true', silent: !!fault && 'silent' in fault, destroyAfter };
    watches.add(w);
    res.on('close', () => forget(w));
    const seconds = Number(query.timeoutSeconds);
    if (seconds > 0 && !w.silent) w.timer = setTimeout(() => end(w), seconds * 1000);
    if (from > 0) for (const e of history) if (e.rv > from && matches(route, e.resource, e.namespace)) send(w, e.type, e.object);
  }

  const server = createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    upsertPod: (pod) => upsert('pods', pod),
    deletePod: (ns, name) => remove('pods', ns, name),
    upsertReplicaSet: (rs) => upsert('replicasets', rs),
    deleteReplicaSet: (ns, name) => remove('replicasets', ns, name),
    upsertJob: (job) => upsert('jobs', job),
    deleteJob: (ns, name) => remove('jobs', ns, name),
    upsertVulnerabilityReport: (report) => upsert('vulnerabilityreports', report),
    deleteVulnerabilityReport: (ns, name) => remove('vulnerabilityreports', ns, name),
    setCustomResourceInstalled(installed) {
      if (!installed) {
        for (const resource of Object.keys(RESOURCES) as Resource[]) {
          if (!RESOURCES[resource].custom) continue;
          for (const obj of [...stores[resource].values()]) remove(resource, obj.metadata.namespace, obj.metadata.name);
          for (const w of watches) if (w.route.resource === resource && !w.silent) end(w);
        }
      }
      customResourcesInstalled = installed;
    },
    resourceVersion: () => String(revision),
    compact() {
      // Compaction here also advances the revision (a write elsewhere in etcd, whose revision is shared
      // by every key), so everything a test obtained before compact() is strictly older and expired.
      compactedRevision = ++revision;
      history = [];
      snapshots.clear();
    },
    bookmark() {
      for (const w of watches) if (w.bookmarks) send(w, 'BOOKMARK', withKind(w.route.resource, { metadata: { resourceVersion: String(revision) } }));
    },
    closeWatches() {
      for (const w of watches) if (!w.silent) end(w);
    },
    injectFault(match, fault, times = 1) {
      injections.push({ match, fault, remaining: times });
    },
    clearFaults() {
      injections.length = 0;
    },
    openWatches: () => watches.size,
    async close() {
      for (const w of watches) forget(w);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A kubeconfig (YAML, as kubectl writes it) with one cluster per context, all pointing at `url`. */
export function kubeconfigFor(url: string, contexts: string[], currentContext = contexts[0]): string {
  // JSON strings are valid YAML double-quoted scalars, so names need no further escaping.
  const q = (s: string) => JSON.stringify(s);
  // client-node 1.4.0 refuses an http:// server unless insecure-skip-tls-verify is true.
  const clusters = contexts.map((c) => `- cluster:\n    insecure-skip-tls-verify: true\n    server: ${q(url)}\n  name: ${q(c)}`);
  const entries = contexts.map((c) => `- context:\n    cluster: ${q(c)}\n    user: watcher\n  name: ${q(c)}`);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:', ...clusters,
    'contexts:', ...entries,
    `current-context: ${q(currentContext ?? '')}`,
    'preferences: {}',
    'users:',
    '- name: watcher',
    '  user:',
    '    token: imagescope-test-token',
    '',
  ].join('\n');
}
