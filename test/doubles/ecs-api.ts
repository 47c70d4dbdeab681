// A test double of the Amazon ECS API (AWS JSON 1.1) for the three operations a task poller uses:
// ListClusters, ListTasks and DescribeTasks. ECS cannot run here, so this stands in for it at the
// wire, written to the API reference and driven in tests by the real @aws-sdk/client-ecs.
//
// Not emulated: SigV4 verification (only the region is read from the credential scope), IAM (access
// denial exists only when injected), ListTasks filters other than desiredStatus, task definitions,
// and any operation beyond these three (answered with UnknownOperationException).
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall { operation: string; region: string; input: any; at: number }

export interface EcsApiDouble {
  url: string;
  calls: RecordedCall[];
  addCluster(name: string, region?: string): string;
  removeCluster(name: string, region?: string): void;
  /** Creates or updates a task (merge), bumping `version`; returns the full task. `task.taskArn` may be omitted to create one. */
  putTask(cluster: string, task: Partial<any> & { containers?: any[] }, region?: string): any;
  removeTask(taskArn: string): void;
  /** The next `times` (default 1) calls of `operation` (optionally only for one cluster name/ARN or region) fail with this error. */
  injectError(match: { operation: string; cluster?: string; region?: string }, error: InjectableError, times?: number): void;
  setPageSize(size: number): void;
  close(): Promise<void>;
}

type InjectableError = 'ThrottlingException' | 'AccessDeniedException' | 'ServerException';

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';
const DEFAULT_REGION = 'us-east-1';
const MAX_RESULTS = 100;
const TIMESTAMP_FIELDS = ['createdAt', 'startedAt', 'stoppingAt', 'stoppedAt', 'pullStartedAt', 'pullStoppedAt', 'executionStoppedAt', 'connectivityAt'];

/** An error that knows its AWS JSON 1.1 rendering; ServerException is the only 5xx ECS models. */
class EcsError extends Error {
  constructor(readonly type: string, message: string) { super(message); }
  get status(): number { return this.type === 'ServerException' ? 500 : 400; }
}

interface Cluster { name: string; arn: string; tasks: Map<string, any> }
interface Injection { match: { operation: string; cluster?: string; region?: string }; error: InjectableError; remaining: number }
type Handler = (state: EcsState, input: any, region: string) => object;

/** The seeded world: clusters per region, each holding its tasks by ARN (timestamps kept as Dates). */
class EcsState {
  private readonly regions = new Map<string, Map<string, Cluster>>();
  pageSize = MAX_RESULTS;
  constructor(readonly account: string) {}

  clustersIn(region: string): Map<string, Cluster> {
    return this.regions.get(region) ?? this.regions.set(region, new Map()).get(region)!;
  }

  clusterArn(region: string, name: string): string {
    return `arn:aws:ecs:${region}:${this.account}:cluster/${name}`;
  }

  addCluster(name: string, region: string): string {
    const clusters = this.clustersIn(region);
    if (!clusters.has(name)) clusters.set(name, { name, arn: this.clusterArn(region, name), tasks: new Map() });
    return clusters.get(name)!.arn;
  }

  /** `cluster` is a name or a full ARN, as ECS accepts both; an ARN for another region or account is not found. */
  findCluster(cluster: string | undefined, region: string): Cluster {
    const found = this.clustersIn(region).get(nameOf(cluster ?? 'default'));
    if (!found || (cluster?.startsWith('arn:') && cluster !== found.arn)) throw new EcsError('ClusterNotFoundException', 'Cluster not found.');
    return found;
  }

  putTask(cluster: string, patch: any, region: string): any {
    // Seeding a task into a cluster nobody added yet is a test convenience, not ECS behaviour.
    this.addCluster(nameOf(cluster), region);
    const target = this.findCluster(cluster, region);
    const existing = patch.taskArn ? target.tasks.get(patch.taskArn) : undefined;
    const task = existing ? { ...existing, ...toDates(patch) } : this.newTask(target, region, toDates(patch));
    task.version = existing ? existing.version + 1 : (patch.version ?? 1);
    task.containers = (task.containers ?? []).map((c: any) => this.completeContainer(c, task, region, existing));
    target.tasks.set(task.taskArn, task);
    return structuredClone(task);
  }

  removeTask(taskArn: string): void {
    for (const clusters of this.regions.values()) for (const c of clusters.values()) c.tasks.delete(taskArn);
  }

  private newTask(cluster: Cluster, region: string, fields: any): any {
    const id = randomBytes(16).toString('hex');
    return {
      taskArn: `arn:aws:ecs:${region}:${this.account}:task/${cluster.name}/${id}`,
      clusterArn: cluster.arn,
      taskDefinitionArn: `arn:aws:ecs:${region}:${this.account}:task-definition/app:1`,
      group: 'family:app', lastStatus: 'RUNNING', desiredStatus: 'RUNNING', launchType: 'FARGATE',
      createdAt: new Date(), availabilityZone: `${region}a`, cpu: '256', memory: '512', containers: [],
      ...fields,
    };
  }

  /** A container keeps its ARN across updates (matched by name), as ECS assigns it once per task. */
  private completeContainer(container: any, task: any, region: string, previous: any): any {
    const [cluster, id] = task.taskArn.split('/').slice(-2);
    const before = previous?.containers.find((c: any) => c.name === container.name);
    return {
      containerArn: before?.containerArn ?? `arn:aws:ecs:${region}:${this.account}:container/${cluster}/${id}/${randomUUID()}`,
      lastStatus: task.lastStatus, ...container, taskArn: task.taskArn,
    };
  }
}

const handlers: Record<string, Handler> = {
  ListClusters(state, input, region) {
    const arns = [...state.clustersIn(region).values()].map((c) => c.arn);
    const page = paginate(arns, input, 'ListClusters', state.pageSize);
    return { clusterArns: page.items, nextToken: page.nextToken };
  },
  ListTasks(state, input, region) {
    const cluster = state.findCluster(input.cluster, region);
    const desired = input.desiredStatus ?? 'RUNNING';
    if (!['RUNNING', 'STOPPED', 'PENDING'].includes(desired)) throw invalid(`Invalid desiredStatus: ${desired}`);
    const arns = [...cluster.tasks.values()].filter((t) => t.desiredStatus === desired).map((t) => t.taskArn);
    const page = paginate(arns, input, 'ListTasks', state.pageSize);
    return { taskArns: page.items, nextToken: page.nextToken };
  },
  DescribeTasks(state, input, region) {
    const cluster = state.findCluster(input.cluster, region);
    const ids: unknown = input.tasks;
    if (!Array.isArray(ids) || ids.length === 0) throw invalid('Tasks cannot be empty.');
    if (ids.length > MAX_RESULTS) throw invalid(`Too many tasks were provided. The maximum is ${MAX_RESULTS}.`);
    const tasks: any[] = [];
    const failures: any[] = [];
    for (const id of ids) {
      // A bare id means "this task in this cluster"; a failure reports the ARN it would have had.
      const arn = String(id).startsWith('arn:') ? String(id) : `${cluster.arn.replace(':cluster/', ':task/')}/${id}`;
      const task = cluster.tasks.get(arn);
      if (task) tasks.push(withTags(task, input.include)); else failures.push({ arn, reason: 'MISSING' });
    }
    return { tasks, failures };
  },
};

/** Pages over sorted ARNs; the token names the last ARN returned, so adding or removing tasks never repeats or skips survivors. */
function paginate(arns: string[], input: any, operation: string, pageSize: number): { items: string[]; nextToken?: string } {
  const max = input.maxResults ?? MAX_RESULTS;
  if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) throw invalid(`maxResults must be between 1 and ${MAX_RESULTS}.`);
  const after = input.nextToken === undefined ? undefined : decodeToken(input.nextToken, operation);
  const remaining = arns.sort().filter((arn) => after === undefined || arn > after);
  const items = remaining.slice(0, Math.min(max, pageSize));
  const more = remaining.length > items.length;
  return { items, nextToken: more ? encodeToken(operation, items[items.length - 1]) : undefined };
}

/** Consumes the first injection that matches this call, if any; ListClusters names no cluster, so cluster matches skip it. */
function takeInjection(injections: Injection[], operation: string, region: string, input: any): Injection | undefined {
  const hit = injections.find(({ match, remaining }) => remaining > 0 && match.operation === operation
    && (match.region === undefined || match.region === region)
    && (match.cluster === undefined || (operation !== 'ListClusters' && nameOf(match.cluster) === nameOf(input.cluster ?? 'default'))));
  if (hit) hit.remaining -= 1;
  return hit;
}

function injectedError(error: InjectableError, state: EcsState, operation: string, region: string, input: any): EcsError {
  if (error === 'ThrottlingException') return new EcsError(error, 'Rate exceeded');
  if (error === 'ServerException') return new EcsError(error, 'Service Unavailable. Please try again later.');
  const resource = operation === 'ListClusters' ? '*' : state.clusterArn(region, nameOf(input.cluster ?? 'default'));
  return new EcsError(error, `User: arn:aws:sts::${state.account}:assumed-role/imagescope-watcher/session is not authorized to perform: ecs:${operation} on resource: ${resource} because no identity-based policy allows the ecs:${operation} action`);
}

/** The whole request pipeline, top-down: route -> parse -> record -> inject -> invoke -> serialize. */
async function handle(req: IncomingMessage, res: ServerResponse, state: EcsState, calls: RecordedCall[], injections: Injection[]): Promise<void> {
  try {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const handler = req.method === 'POST' && Object.hasOwn(handlers, operation) ? handlers[operation] : undefined;
    if (!handler) throw new EcsError('UnknownOperationException', '');
    const input = parseBody(await readBody(req));
    const region = regionOf(req.headers.authorization);
    calls.push({ operation, region, input, at: Date.now() });
    const injection = takeInjection(injections, operation, region, input);
    if (injection) throw injectedError(injection.error, state, operation, region, input);
    send(res, 200, toWire(handler(state, input, region)));
  } catch (error) {
    if (!(error instanceof EcsError)) throw error;
    send(res, error.status, { __type: error.type, message: error.message });
  }
}

export async function startEcsApiDouble(options: { accountId?: string } = {}): Promise<EcsApiDouble> {
  const state = new EcsState(options.accountId ?? '111122223333');
  const calls: RecordedCall[] = [];
  const injections: Injection[] = [];
  const server = createServer((req, res) => {
    handle(req, res, state, calls, injections).catch((error) => send(res, 500, { __type: 'ServerException', message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    addCluster: (name, region = DEFAULT_REGION) => state.addCluster(name, region),
    removeCluster: (name, region = DEFAULT_REGION) => void state.clustersIn(region).delete(nameOf(name)),
    putTask: (cluster, task, region = regionOfArn(cluster) ?? DEFAULT_REGION) => state.putTask(cluster, task, region),
    removeTask: (taskArn) => state.removeTask(taskArn),
    injectError: (match, error, times = 1) => void injections.push({ match, error, remaining: times }),
    setPageSize: (size) => void (state.pageSize = size),
    close: () => new Promise<void>((resolve, reject) => {
      // The SDK keeps connections alive; without this close() would wait for them to idle out.
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

const invalid = (message: string) => new EcsError('InvalidParameterException', message);
const nameOf = (cluster: string) => (cluster.startsWith('arn:') ? cluster.slice(cluster.indexOf(':cluster/') + 9) : cluster);
const regionOfArn = (value: string) => (value.startsWith('arn:') ? value.split(':')[3] : undefined);

/** The region sits in the SigV4 credential scope: Credential=AKID/date/region/service/aws4_request. */
function regionOf(authorization: string | undefined): string {
  return /Credential=[^/,]+\/\d{8}\/([^/,]+)\/ecs\/aws4_request/.exec(authorization ?? '')?.[1] ?? DEFAULT_REGION;
}

/** Tokens are opaque to clients; binding them to the operation rejects a ListClusters token given to ListTasks. */
function encodeToken(operation: string, lastArn: string): string {
  return Buffer.from(JSON.stringify({ o: operation, a: lastArn })).toString('base64url');
}

function decodeToken(token: unknown, operation: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8'));
    if (decoded.o === operation && typeof decoded.a === 'string') return decoded.a;
  } catch { /* falls through to the same error as a well-formed foreign token */ }
  throw invalid('Invalid nextToken.');
}

function parseBody(body: string): any {
  try {
    const parsed = body === '' ? {} : JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch { /* reported below */ }
  throw new EcsError('SerializationException', 'Request body is not a JSON object.');
}

/** Tags travel only when asked for with include: ["TAGS"], as in DescribeTasks. */
function withTags(task: any, include: unknown): any {
  const { tags, ...rest } = task;
  return Array.isArray(include) && include.includes('TAGS') ? { ...rest, tags: tags ?? [] } : rest;
}

/** Seeded timestamps may be Dates, ISO strings or epoch seconds; they are kept as Dates. */
function toDates(fields: any): any {
  const out = { ...fields };
  for (const key of TIMESTAMP_FIELDS) {
    if (typeof out[key] === 'number') out[key] = new Date(out[key] * 1000);
    else if (typeof out[key] === 'string') out[key] = new Date(out[key]);
  }
  return out;
}

/** JSON 1.1 sends timestamps as epoch seconds with a fraction, and drops absent members. */
function toWire(value: any): any {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: object): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': bytes.length, 'x-amzn-RequestId': randomUUID() });
  res.end(bytes);
}
