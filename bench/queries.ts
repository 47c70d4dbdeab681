// The queries measured at each scale, in process (the protocol pipeline without a socket) and over
// HTTP with the real AWS SDK clients.
import { ImagebuilderClient, ListImageScanFindingAggregationsCommand } from '@aws-sdk/client-imagebuilder';
import { GetClustersForImageCommand, Inspector2Client, ListCoverageCommand, ListCoverageStatisticsCommand, ListFindingAggregationsCommand, ListFindingsCommand } from '@aws-sdk/client-inspector2';
import pino from 'pino';
import { newTokenKey, PaginationTokens } from '../src/protocol/pagination-token.ts';
import { handleAwsRequest, type PipelineDependencies } from '../src/protocol/pipeline.ts';
import { CachedAccessKeys } from '../src/protocol/access-key-cache.ts';
import { AnswerCache } from '../src/protocol/answer-cache.ts';
import { Throttle } from '../src/protocol/throttle.ts';
import { serverConfig } from '../src/server/config.ts';
import type { Store } from '../src/store/store.ts';
import { benchAccount, buildArn, cveId, pipelineArn, popularImage, popularRepository, reportTime, steadyImage } from './dataset.ts';
import { measureLatency, round, type Latency } from './stats.ts';
import { ReadModels } from '../src/read-models/read-models.ts';

export interface Query {
  name: string;
  path: string;
  body: object;
}

export const queries: Query[] = [
  { name: 'GetClustersForImage (image)', path: '/cluster/get', body: { filter: { resourceId: popularImage } } },
  { name: 'GetClustersForImage (repository)', path: '/cluster/get', body: { filter: { resourceId: popularRepository }, maxResults: 100 } },
  { name: 'GetClustersForImage (same answer)', path: '/cluster/get', body: { filter: { resourceId: steadyImage } } },
  { name: 'Aggregations: no filter', path: '/ListImageScanFindingAggregations', body: {} },
  { name: 'Aggregations: accountId', path: '/ListImageScanFindingAggregations', body: { filter: { name: 'accountId', values: [benchAccount] } } },
  { name: 'Aggregations: imagePipelineArn', path: '/ListImageScanFindingAggregations', body: { filter: { name: 'imagePipelineArn', values: [pipelineArn(0), pipelineArn(1)] } } },
  { name: 'Aggregations: imageBuildVersionArn', path: '/ListImageScanFindingAggregations', body: { filter: { name: 'imageBuildVersionArn', values: [buildArn(0)] } } },
  { name: 'Aggregations: vulnerabilityId', path: '/ListImageScanFindingAggregations', body: { filter: { name: 'vulnerabilityId', values: [cveId(0), cveId(1), cveId(2)] } } },
  { name: 'Aggregations: every accountId', path: '/ListImageScanFindingAggregations', body: { filter: { name: 'accountId' } } },
  { name: 'Aggregations: every imagePipelineArn', path: '/ListImageScanFindingAggregations', body: { filter: { name: 'imagePipelineArn' } } },
  { name: 'Aggregations: every imageBuildVersionArn', path: '/ListImageScanFindingAggregations', body: { filter: { name: 'imageBuildVersionArn' } } },
  { name: 'Aggregations: every vulnerabilityId', path: '/ListImageScanFindingAggregations', body: { filter: { name: 'vulnerabilityId' } } },
  // Issue 18's four ListFindings pages (100 findings each), and the least severe first.
  { name: 'ListFindings: no filter', path: '/findings/list', body: { maxResults: 100 } },
  { name: 'ListFindings: CRITICAL and ACTIVE', path: '/findings/list', body: { maxResults: 100, filterCriteria: { severity: [{ comparison: 'EQUALS', value: 'CRITICAL' }], findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }] } } },
  { name: 'ListFindings: repository and updatedAt window', path: '/findings/list', body: { maxResults: 100, filterCriteria: { ecrImageRepositoryName: [{ comparison: 'EQUALS', value: 'app-7' }], updatedAt: [{ startInclusive: reportTime - 86_400, endInclusive: reportTime + 86_400 }] } } },
  { name: 'ListFindings: sorted by SEVERITY', path: '/findings/list', body: { maxResults: 100, sortCriteria: { field: 'SEVERITY', sortOrder: 'DESC' } } },
  { name: 'ListFindings: least severe first', path: '/findings/list', body: { maxResults: 100, sortCriteria: { field: 'SEVERITY', sortOrder: 'ASC' } } },
  // Issue 19: each ListFindingAggregations type's first page, worst first (the default sort).
  ...['AWS_ECR_CONTAINER', 'CONTAINER_IMAGE', 'REPOSITORY', 'PACKAGE', 'TITLE', 'ACCOUNT', 'FINDING_TYPE', 'IMAGE_LAYER'].map((aggregationType) => (
    { name: `ListFindingAggregations: ${aggregationType}`, path: '/findings/aggregation/list', body: { aggregationType, maxResults: 100 } })),
  { name: 'ListCoverage: first page', path: '/coverage/list', body: {} },
  { name: 'ListCoverage: running unscanned', path: '/coverage/list', body: { filterCriteria: { scanStatusReason: [{ comparison: 'EQUALS', value: 'PENDING_INITIAL_SCAN' }], ecrImageInUseCount: [{ lowerInclusive: 1 }] } } },
  { name: 'ListCoverageStatistics: by status reason', path: '/coverage/statistics/list', body: { groupBy: 'SCAN_STATUS_REASON' } },
  { name: 'ListFindingAggregations: critical images running now', path: '/findings/aggregation/list', body: { aggregationType: 'AWS_ECR_CONTAINER', maxResults: 100, aggregationRequest: { awsEcrContainerAggregation: { inUseCount: [{ lowerInclusive: 1 }], sortBy: 'CRITICAL' } } } },
];

const authorization = `AWS4-HMAC-SHA256 Credential=${benchAccount}/20261121/us-west-2/inspector2/aws4_request, SignedHeaders=host, Signature=0`;

/** p50/p99 of each query through the protocol pipeline in this process (no HTTP). */
export async function inProcessLatencies(store: Store, iterations: number): Promise<Record<string, Latency>> {
  const config = serverConfig({}, { IMAGESCOPE_THROTTLE_RATE: '1000000000', IMAGESCOPE_THROTTLE_BURST: '1000000000' });
  const deps: PipelineDependencies = {
    store,
    readModels: new ReadModels(store),
    keys: new CachedAccessKeys(store),
    // What each query costs, not what serving a kept answer costs.
    answers: new AnswerCache(false),
    tokens: new PaginationTokens(newTokenKey()),
    settings: config.settings,
    authMode: 'none',
    throttle: new Throttle(config.throttle),
    logger: pino({ level: 'silent' }),
    now: () => Date.parse('2026-11-21T12:00:00Z'),
  };
  const out: Record<string, Latency & { firstMs: number }> = {};
  for (const q of queries) {
    const body = Buffer.from(JSON.stringify(q.body));
    const run = async () => {
      const response = await handleAwsRequest({ method: 'POST', path: q.path, query: '', headers: { authorization, 'content-type': 'application/json' }, body }, deps);
      if (response.statusCode !== 200) throw new Error(`${q.name}: ${response.statusCode} ${response.body}`);
    };
    // The first request of each query on its own: for ListFindingAggregations, the first of a type
    // builds its groups (and the first of all reads the account's read models).
    const started = performance.now();
    await run();
    const firstMs = round(performance.now() - started, 2);
    out[q.name] = { ...(await measureLatency(run, iterations)), firstMs };
  }
  return out;
}

/** The body with its epoch-second date ranges as Dates, which is what the SDK takes. */
function withDates(body: object): object {
  return JSON.parse(JSON.stringify(body), (key, value) => (key === 'startInclusive' || key === 'endInclusive' ? new Date(value * 1000) : value));
}

/** p50/p99 of each query sent by the real SDK clients to a server at `url`. */
export async function sdkLatencies(url: string, iterations: number): Promise<Record<string, Latency>> {
  const options = { endpoint: url, region: 'us-west-2', credentials: { accessKeyId: benchAccount, secretAccessKey: 'x' }, maxAttempts: 1 };
  const inspector = new Inspector2Client(options);
  const builder = new ImagebuilderClient(options);
  const out: Record<string, Latency> = {};
  // The SDK command of each path; dates in ListFindings bodies become Dates.
  const commands: Record<string, (body: object) => Promise<unknown>> = {
    '/cluster/get': (body) => inspector.send(new GetClustersForImageCommand(body as never)),
    '/findings/list': (body) => inspector.send(new ListFindingsCommand(withDates(body) as never)),
    '/findings/aggregation/list': (body) => inspector.send(new ListFindingAggregationsCommand(body as never)),
    '/coverage/list': (body) => inspector.send(new ListCoverageCommand(body as never)),
    '/coverage/statistics/list': (body) => inspector.send(new ListCoverageStatisticsCommand(body as never)),
    '/ListImageScanFindingAggregations': (body) => builder.send(new ListImageScanFindingAggregationsCommand(body as never)),
  };
  for (const q of queries) {
    const send = () => commands[q.path]!(q.body);
    out[q.name] = await measureLatency(send, iterations);
  }
  return out;
}
