// A test double of the Amazon ECR API (AWS JSON 1.1) for the one operation a findings feed reads:
// DescribeImageScanFindings. ECR cannot run here, so this stands in for it at the wire, written to the
// API reference and to real responses (../shared/fixtures/ecr), and driven in tests by the real
// @aws-sdk/client-ecr.
//
// Emulated: repositories and images per region (the region is read from the SigV4 credential scope) in
// the double's own registry; images found by digest or by tag; the scan status and description; basic
// `findings` and Inspector `enhancedFindings` returned as seeded; findingSeverityCounts (seeded, else
// counted over every finding); timestamps as epoch seconds; maxResults (1-1000, 100 when absent, as the
// model documents) and nextToken; RepositoryNotFoundException, ImageNotFoundException and
// ScanNotFoundException with ECR's wording; InvalidParameterException for out-of-range input; injected
// ThrottlingException, AccessDeniedException (IAM's wording) and ServerException (HTTP 500).
//
// Paging, as we read ECR: the paginator's result keys are `imageScanFindings.findings` and
// `imageScanFindings.enhancedFindings` under one nextToken, so the two lists are one sequence (basic
// first, then enhanced) cut into pages of maxResults items in total. A real registry scans either BASIC
// or ENHANCED, so a real answer carries one list; seeding both is a test convenience. Every page
// repeats the scan summary (status, timestamps, counts over the whole scan). A list the scan has is
// present on every page, even when this page's slice of it is empty; `findings: []` is sent when the
// scan has no enhanced findings, as ECR does for a clean scan.
//
// Choices where ECR documents nothing: imageScanFindings is omitted for a scan in a status other than
// COMPLETE/ACTIVE unless something was seeded for it; imageScanCompletedAt and
// vulnerabilitySourceUpdatedAt are sent only when seeded; a request by tag answers imageId with the
// resolved digest and the tag, a request by digest with the digest only (as observed from ECR); the
// messages for an imageId with neither member and for a foreign nextToken are our own wording.
//
// Not emulated: SigV4 verification, IAM (access denial exists only when injected), other registries
// (another registryId has no repositories), scanning itself, and any operation beyond this one
// (answered with UnknownOperationException).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScanStatus } from '@aws-sdk/client-ecr';

export interface RecordedCall { operation: string; region: string; input: any; at: number }

type Timestamp = Date | number | string;

/** A scan as a test seeds it; timestamps may be Dates, ISO strings or epoch seconds (kept as Dates). */
export interface ScanSeed {
  status: ScanStatus;
  /** Defaults to ECR's wording for COMPLETE and ACTIVE; absent for other statuses unless given. */
  description?: string;
  completedAt?: Timestamp;
  vulnerabilitySourceUpdatedAt?: Timestamp;
  /** Basic scanning findings: { name, description, uri, severity, attributes: [{ key, value }] }. */
  findings?: any[];
  /** Inspector (enhanced scanning) findings in the EnhancedImageScanFinding shape. */
  enhancedFindings?: any[];
  /** Replaces the counts the double would compute from the findings' severities. */
  severityCounts?: Record<string, number>;
}

export interface EcrApiDouble {
  url: string;
  accountId: string;
  calls: RecordedCall[];
  /** Creates the repository if absent; returns its ARN. */
  putRepository(repositoryName: string, region?: string): string;
  /** Pushes an image (creating the repository); a tag already on another image of the repository moves here, as on a push. */
  putImage(repositoryName: string, image: { digest: string; tags?: string[]; region?: string }): void;
  setScan(repositoryName: string, digest: string, scan: ScanSeed, region?: string): void;
  /** The image stays; DescribeImageScanFindings answers ScanNotFoundException for it. */
  clearScan(repositoryName: string, digest: string, region?: string): void;
  /** The next `times` (default 1) calls of `operation` (optionally only for one repository or region) fail with this error. */
  injectError(match: { operation: string; repositoryName?: string; region?: string }, error: InjectableError, times?: number): void;
  /** Caps every page at `size` items, below maxResults, to force paging. */
  setPageSize(size: number): void;
  close(): Promise<void>;
}

type InjectableError = 'ThrottlingException' | 'AccessDeniedException' | 'ServerException';

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
const DEFAULT_REGION = 'us-east-1';
const DEFAULT_MAX_RESULTS = 100;
const MAX_RESULTS = 1000;
const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const DEFAULT_DESCRIPTIONS: Partial<Record<ScanStatus, string>> = {
  COMPLETE: 'The scan was completed successfully.',
  ACTIVE: 'Continuous scan is selected for image.',
};

/** An error that knows its AWS JSON 1.1 rendering; ServerException is the only 5xx ECR models. */
class EcrError extends Error {
  constructor(readonly type: string, message: string) { super(message); }
  get status(): number { return this.type === 'ServerException' ? 500 : 400; }
}

interface Scan extends Omit<ScanSeed, 'completedAt' | 'vulnerabilitySourceUpdatedAt'> { completedAt?: Date; vulnerabilitySourceUpdatedAt?: Date }
interface Image { digest: string; tags: Set<string>; scan?: Scan }
interface Repository { name: string; images: Map<string, Image> }
interface Injection { match: { operation: string; repositoryName?: string; region?: string }; error: InjectableError; remaining: number }
type Handler = (state: EcrState, input: any, region: string) => object;

/** The seeded world: the double's registry, one set of repositories per region. */
class EcrState {
  private readonly regions = new Map<string, Map<string, Repository>>();
  pageSize = MAX_RESULTS;
  constructor(readonly account: string) {}

  repositoriesIn(region: string): Map<string, Repository> {
    return this.regions.get(region) ?? this.regions.set(region, new Map()).get(region)!;
  }

  repositoryArn(region: string, registryId: string, name: string): string {
    return `arn:aws:ecr:${region}:${registryId}:repository/${name}`;
  }

  putRepository(name: string, region: string): Repository {
    const repositories = this.repositoriesIn(region);
    if (!repositories.has(name)) repositories.set(name, { name, images: new Map() });
    return repositories.get(name)!;
  }

  putImage(name: string, digest: string, tags: string[], region: string): void {
    const repository = this.putRepository(name, region);
    for (const other of repository.images.values()) for (const tag of tags) other.tags.delete(tag);
    const image = repository.images.get(digest) ?? { digest, tags: new Set<string>() };
    for (const tag of tags) image.tags.add(tag);
    repository.images.set(digest, image);
  }

  /** For seeding only: a scan for an image never pushed is a mistake in the test, not an ECR state. */
  seededImage(name: string, digest: string, region: string): Image {
    const image = this.repositoriesIn(region).get(name)?.images.get(digest);
    if (!image) throw new Error(`ECR double: no image ${digest} in repository ${name} (${region}); putImage it first`);
    return image;
  }

  findRepository(registryId: string, name: string, region: string): Repository {
    const found = registryId === this.account ? this.repositoriesIn(region).get(name) : undefined;
    if (!found) throw new EcrError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${registryId}'`);
    return found;
  }

  /** ECR resolves a tag to its digest; given both, they must name the same image. */
  findImage(repository: Repository, registryId: string, imageId: any): Image {
    const image = imageId.imageDigest !== undefined
      ? repository.images.get(imageId.imageDigest)
      : [...repository.images.values()].find((i) => i.tags.has(imageId.imageTag));
    if (image && (imageId.imageTag === undefined || image.tags.has(imageId.imageTag))) return image;
    throw new EcrError('ImageNotFoundException', `The image with imageId ${describeImageId(imageId)} does not exist within the repository with name '${repository.name}' in the registry with id '${registryId}'`);
  }
}

const handlers: Record<string, Handler> = {
  DescribeImageScanFindings(state, input, region) {
    const { registryId, maxResults } = validate(input, state.account);
    const repository = state.findRepository(registryId, input.repositoryName, region);
    const image = state.findImage(repository, registryId, input.imageId);
    const scan = image.scan;
    if (!scan) {
      throw new EcrError('ScanNotFoundException', `Image scan does not exist for the image with '${describeImageId(input.imageId)}' in the repository with name '${repository.name}' in the registry with id '${registryId}'`);
    }
    const page = pageOf(scan, input, repository.name, image.digest, Math.min(maxResults, state.pageSize));
    const imageId = input.imageId.imageTag === undefined ? { imageDigest: image.digest } : { imageDigest: image.digest, imageTag: input.imageId.imageTag };
    return {
      registryId, repositoryName: repository.name, imageId,
      imageScanStatus: { status: scan.status, description: scan.description ?? DEFAULT_DESCRIPTIONS[scan.status] },
      imageScanFindings: page.findings, nextToken: page.nextToken,
    };
  },
};

/** The request's constraints from the API reference, in ECR's "Invalid parameter at" wording. */
function validate(input: any, account: string): { registryId: string; maxResults: number } {
  const registryId = input.registryId ?? account;
  if (typeof registryId !== 'string' || !/^[0-9]{12}$/.test(registryId)) throw invalidAt('registryId', 'Member must satisfy regular expression pattern: [0-9]{12}');
  const name = input.repositoryName;
  if (typeof name !== 'string') throw invalidAt('repositoryName', 'Member must not be null');
  if (name.length < 2 || name.length > 256) throw invalidAt('repositoryName', 'Member must have length between 2 and 256');
  if (!REPOSITORY_NAME.test(name)) throw invalidAt('repositoryName', `Member must satisfy regular expression pattern: ${REPOSITORY_NAME.source.slice(1, -1)}`);
  const imageId = input.imageId;
  if (!imageId || typeof imageId !== 'object') throw invalidAt('imageId', 'Member must not be null');
  if (imageId.imageDigest === undefined && imageId.imageTag === undefined) throw invalidAt('imageId', 'Member must contain imageDigest or imageTag');
  const maxResults = input.maxResults ?? DEFAULT_MAX_RESULTS;
  if (!Number.isInteger(maxResults) || maxResults < 1) throw invalidAt('maxResults', 'Member must have value greater than or equal to 1');
  if (maxResults > MAX_RESULTS) throw invalidAt('maxResults', `Member must have value less than or equal to ${MAX_RESULTS}`);
  return { registryId, maxResults };
}

/** One page of the scan: basic then enhanced findings as one sequence, the summary on every page. */
function pageOf(scan: Scan, input: any, repositoryName: string, digest: string, size: number): { findings?: object; nextToken?: string } {
  const basic = scan.findings ?? [];
  const enhanced = scan.enhancedFindings ?? [];
  const counts = scan.severityCounts ?? countSeverities([...basic, ...enhanced]);
  const seeded = basic.length + enhanced.length > 0 || scan.completedAt || scan.vulnerabilitySourceUpdatedAt || Object.keys(counts).length > 0;
  if (!seeded && scan.status !== 'COMPLETE' && scan.status !== 'ACTIVE') return {};
  const scope = `${repositoryName}@${digest}`;
  const start = input.nextToken === undefined ? 0 : decodeToken(input.nextToken, scope);
  const end = Math.min(start + size, basic.length + enhanced.length);
  return {
    findings: {
      imageScanCompletedAt: scan.completedAt,
      vulnerabilitySourceUpdatedAt: scan.vulnerabilitySourceUpdatedAt,
      findingSeverityCounts: Object.keys(counts).length > 0 ? counts : undefined,
      findings: basic.length > 0 || enhanced.length === 0 ? basic.slice(start, end) : undefined,
      enhancedFindings: enhanced.length > 0 ? enhanced.slice(Math.max(0, start - basic.length), Math.max(0, end - basic.length)) : undefined,
    },
    nextToken: end < basic.length + enhanced.length ? encodeToken(scope, end) : undefined,
  };
}

function countSeverities(findings: any[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { severity } of findings) if (typeof severity === 'string') counts[severity] = (counts[severity] ?? 0) + 1;
  return counts;
}

/** Consumes the first injection that matches this call, if any. */
function takeInjection(injections: Injection[], operation: string, region: string, input: any): Injection | undefined {
  const hit = injections.find(({ match, remaining }) => remaining > 0 && match.operation === operation
    && (match.region === undefined || match.region === region)
    && (match.repositoryName === undefined || match.repositoryName === input.repositoryName));
  if (hit) hit.remaining -= 1;
  return hit;
}

/** IAM decides before ECR looks anything up, so these fail even for repositories that do not exist. */
function injectedError(error: InjectableError, state: EcrState, operation: string, region: string, input: any): EcrError {
  if (error === 'ThrottlingException') return new EcrError(error, 'Rate exceeded');
  if (error === 'ServerException') return new EcrError(error, 'Service Unavailable. Please try again later.');
  const resource = state.repositoryArn(region, input.registryId ?? state.account, input.repositoryName);
  return new EcrError(error, `User: arn:aws:iam::${state.account}:user/imagescope is not authorized to perform: ecr:${operation} on resource: ${resource} because no identity-based policy allows the ecr:${operation} action`);
}

/** The whole request pipeline, top-down: route -> parse -> record -> inject -> invoke -> serialize. */
async function handle(req: IncomingMessage, res: ServerResponse, state: EcrState, calls: RecordedCall[], injections: Injection[]): Promise<void> {
  try {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const handler = req.method === 'POST' && Object.hasOwn(handlers, operation) ? handlers[operation] : undefined;
    if (!handler) throw new EcrError('UnknownOperationException', '');
    const input = parseBody(await readBody(req));
    const region = regionOf(req.headers.authorization);
    calls.push({ operation, region, input, at: Date.now() });
    const injection = takeInjection(injections, operation, region, input);
    if (injection) throw injectedError(injection.error, state, operation, region, input);
    send(res, 200, toWire(handler(state, input, region)));
  } catch (error) {
    if (!(error instanceof EcrError)) throw error;
    send(res, error.status, { __type: error.type, message: error.message });
  }
}

export async function startEcrApiDouble(options: { accountId?: string } = {}): Promise<EcrApiDouble> {
  const state = new EcrState(options.accountId ?? '111122223333');
  const calls: RecordedCall[] = [];
  const injections: Injection[] = [];
  const server = createServer((req, res) => {
    handle(req, res, state, calls, injections).catch((error) => send(res, 500, { __type: 'ServerException', message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountId: state.account,
    calls,
    putRepository: (name, region = DEFAULT_REGION) => (state.putRepository(name, region), state.repositoryArn(region, state.account, name)),
    putImage: (name, { digest, tags = [], region = DEFAULT_REGION }) => state.putImage(name, digest, tags, region),
    setScan: (name, digest, scan, region = DEFAULT_REGION) => void (state.seededImage(name, digest, region).scan = toScan(scan)),
    clearScan: (name, digest, region = DEFAULT_REGION) => void delete state.seededImage(name, digest, region).scan,
    injectError: (match, error, times = 1) => void injections.push({ match, error, remaining: times }),
    setPageSize: (size) => void (state.pageSize = size),
    close: () => new Promise<void>((resolve, reject) => {
      // The SDK keeps connections alive; without this close() would wait for them to idle out.
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

const invalidAt = (member: string, constraint: string) => new EcrError('InvalidParameterException', `Invalid parameter at '${member}' failed to satisfy constraint: '${constraint}'`);

/** ECR renders an ImageIdentifier Java-style, an absent member as 'null'. */
const describeImageId = (imageId: any) => `{imageDigest:'${imageId.imageDigest ?? 'null'}', imageTag:'${imageId.imageTag ?? 'null'}'}`;

/** The region sits in the SigV4 credential scope: Credential=AKID/date/region/ecr/aws4_request. */
function regionOf(authorization: string | undefined): string {
  return /Credential=[^/,]+\/\d{8}\/([^/,]+)\/ecr\/aws4_request/.exec(authorization ?? '')?.[1] ?? DEFAULT_REGION;
}

/** Tokens are opaque to clients; binding them to the image rejects a token carried over to another image. */
function encodeToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ s: scope, i: offset })).toString('base64url');
}

function decodeToken(token: unknown, scope: string): number {
  try {
    const decoded = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8'));
    if (decoded.s === scope && Number.isInteger(decoded.i) && decoded.i >= 0) return decoded.i;
  } catch { /* falls through to the same error as a well-formed foreign token */ }
  throw new EcrError('InvalidParameterException', 'Invalid parameter at \'nextToken\': the token is not valid for this request');
}

/** Seeds are copied, so a test changing its objects afterwards does not change the double. */
function toScan(seed: ScanSeed): Scan {
  const { completedAt, vulnerabilitySourceUpdatedAt, ...rest } = structuredClone(seed);
  return {
    ...rest,
    completedAt: toDate(completedAt), vulnerabilitySourceUpdatedAt: toDate(vulnerabilitySourceUpdatedAt),
    enhancedFindings: rest.enhancedFindings?.map(enhancedDates),
  };
}

/** The timestamp members of EnhancedImageScanFinding, at every depth the model has them. */
function enhancedDates(finding: any): any {
  const out = { ...finding };
  for (const key of ['firstObservedAt', 'lastObservedAt', 'updatedAt']) out[key] = toDate(out[key]);
  if (out.packageVulnerabilityDetails) {
    const details = out.packageVulnerabilityDetails;
    out.packageVulnerabilityDetails = { ...details, vendorCreatedAt: toDate(details.vendorCreatedAt), vendorUpdatedAt: toDate(details.vendorUpdatedAt) };
  }
  out.resources = out.resources?.map((resource: any) => {
    const image = resource?.details?.awsEcrContainerImage;
    if (!image) return resource;
    const dated = { ...image, pushedAt: toDate(image.pushedAt), lastInUseAt: toDate(image.lastInUseAt) };
    return { ...resource, details: { ...resource.details, awsEcrContainerImage: dated } };
  });
  return out;
}

function toDate(value: Timestamp | undefined): Date | undefined {
  if (value === undefined || value instanceof Date) return value;
  return typeof value === 'number' ? new Date(value * 1000) : new Date(value);
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

function parseBody(body: string): any {
  try {
    const parsed = body === '' ? {} : JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch { /* reported below */ }
  throw new EcrError('SerializationException', 'Request body is not a JSON object.');
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
