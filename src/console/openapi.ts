// GET /api/v1/openapi.json: the console API described as OpenAPI 3.1 (its schemas are JSON Schema
// 2020-12), route by route: parameters, the JSON and CSV answers, and the errors. The tests validate
// the document and check the real answers against it, so it cannot drift from the code unnoticed.
import { packageVersion } from '../package-version.ts';
import { severities } from '../domain/severity.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const count = { type: 'integer', minimum: 0 };
const epochSeconds = { type: 'number', description: 'Epoch seconds' };
const strings = { type: 'array', items: { type: 'string' } };
const object = (properties: Record<string, object>, required: string[] = Object.keys(properties)) => ({ type: 'object', properties, required, additionalProperties: false });
const listOf = (item: string) => object({ total: count, items: { type: 'array', items: ref(item) }, nextCursor: { type: 'string' } }, ['total', 'items']);

const severity = { type: 'string', enum: [...severities] };
const sixCounts = object(Object.fromEntries(['all', ...severities.map((s) => s.toLowerCase())].map((k) => [k, count])));
const fourCounts = object({ all: count, critical: count, high: count, medium: count });

const imageProperties = {
  resourceId: { type: 'string' }, repository: { type: 'string' }, digest: { type: 'string' }, tags: strings,
  imagePipelineArn: { type: 'string' }, imageBuildVersionArn: { type: 'string' },
  severityCounts: sixCounts, fixableCounts: object({ all: count, critical: count, high: count }), uniqueVulnerabilities: count,
  worstSeverity: { type: 'string', enum: [...severities, 'NONE'] }, runningUnits: count, clusters: count, lastInUse: epochSeconds,
};
const imageRequired = ['resourceId', 'repository', 'digest', 'tags', 'severityCounts', 'fixableCounts', 'uniqueVulnerabilities', 'worstSeverity', 'runningUnits', 'clusters'];

const schemas = {
  Error: object({
    error: { type: 'string', description: 'InvalidParameter, NotFound, ServiceUnavailable, InternalFailure, or the AWS error code of a refused signature or key' },
    message: { type: 'string' },
    parameter: { type: 'string', description: 'The parameter a 400 is about' },
  }, ['error', 'message']),
  SeverityCounts: sixCounts,
  ClusterDetails: object({
    lastInUse: epochSeconds,
    runningUnitCount: count,
    stoppedUnitCount: count,
    clusterMetadata: {
      oneOf: [
        object({ awsEcsMetadataDetails: object({ detailsGroup: { type: 'string' }, taskDefinitionArn: { type: 'string' } }) }),
        object({ awsEksMetadataDetails: object({ namespace: { type: 'string' }, workloadInfoList: { type: 'array', items: object({ name: { type: 'string' }, type: { type: 'string' } }) } }) }),
      ],
    },
  }),
  ClusterEntry: { ...object({ clusterArn: { type: 'string' }, clusterDetails: { type: 'array', items: ref('ClusterDetails') } }), description: "A GetClustersForImage `cluster` entry, as that operation answers it" },
  VulnerabilityRow: object({ vulnerabilityId: { type: 'string' }, severity, fixable: { type: 'boolean' }, images: count, runningImages: count, runningUnits: count, clusters: count }),
  Image: object(imageProperties, imageRequired),
  ImageFinding: object({ vulnerabilityId: { type: 'string' }, severity, packageName: { type: 'string' }, installedVersion: { type: 'string' }, fixedVersion: { type: 'string' }, sources: strings }, ['vulnerabilityId', 'severity', 'packageName', 'installedVersion', 'sources']),
  Summary: object({
    findings: fourCounts,
    severityCounts: object({ all: sixCounts, running: sixCounts }),
    images: count, runningImages: count, runningUnits: count, runningImagesWithCritical: count,
    fixableCritical: object({ all: count, running: count }),
    uniqueVulnerabilities: count, uniqueVulnerabilitiesRunning: count,
    topVulnerabilities: { type: 'array', items: ref('VulnerabilityRow') },
    topImages: { type: 'array', items: ref('Image') },
    sources: { type: 'array', items: object({ source: { type: 'string' }, lastIngestAt: epochSeconds }) },
    latestScans: { type: 'array', items: object({ source: { type: 'string' }, reportTime: epochSeconds }) },
    trend: { type: 'array', items: object({ day: { type: 'string', format: 'date' }, all: sixCounts, running: sixCounts }) },
    coverage: object({ current: count, stale: count, neverScanned: count }),
  }),
  Exposure: object({
    vulnerabilityId: { type: 'string' },
    runningOnly: { type: 'boolean' },
    summary: object({ severity, occurrences: count, images: count, runningImages: count, runningUnits: count }, ['occurrences', 'images', 'runningImages', 'runningUnits']),
    images: {
      type: 'array',
      items: object({
        resourceId: { type: 'string' }, repository: { type: 'string' }, digest: { type: 'string' }, imagePipelineArn: { type: 'string' }, imageBuildVersionArn: { type: 'string' },
        tags: strings, runningUnits: count, stoppedUnits: count, lastInUse: epochSeconds,
        packages: { type: 'array', items: object({ source: { type: 'string' }, packageName: { type: 'string' }, installedVersion: { type: 'string' }, fixedVersion: { type: 'string' }, severity }, ['source', 'packageName', 'installedVersion', 'severity']) },
        clusters: { type: 'array', items: ref('ClusterEntry') },
        moreClusters: { const: true },
      }, ['resourceId', 'repository', 'digest', 'tags', 'runningUnits', 'stoppedUnits', 'packages', 'clusters']),
    },
    nextCursor: { type: 'string' },
  }, ['vulnerabilityId', 'runningOnly', 'summary', 'images']),
  ImageDetail: object({
    ...imageProperties,
    // `clusters` is the number of clusters in a list, the cluster entries on an image's own answer.
    clusters: { type: 'array', items: ref('ClusterEntry') },
    findings: { type: 'array', items: ref('ImageFinding') },
    nextCursor: { type: 'string' },
    moreClusters: { const: true },
  }, [...imageRequired, 'findings']),
  ClusterRow: object({
    clusterArn: { type: 'string' }, platform: { type: 'string', enum: ['ECS', 'EKS'] }, runningUnits: count, imagesWithCritical: count, unscannedImages: count,
    worstSeverity: { type: 'string', enum: [...severities, 'NONE'] }, imageCount: count,
    images: { type: 'array', items: object({ resourceId: { type: 'string' }, runningUnits: count, worstSeverity: { type: 'string', enum: [...severities, 'NONE'] }, critical: count }, ['resourceId', 'runningUnits', 'critical']) },
  }),
  PipelineRow: {
    type: 'object',
    properties: { imagePipelineArn: { type: 'string' }, imageBuildVersionArn: { type: 'string' }, severityCounts: fourCounts },
    required: ['severityCounts'],
    oneOf: [{ required: ['imagePipelineArn'] }, { required: ['imageBuildVersionArn'] }],
    additionalProperties: false,
  },
  CoverageRow: object({
    resourceId: { type: 'string' }, repository: { type: 'string' }, digest: { type: 'string' }, tags: strings,
    reference: { type: 'string', description: 'What to hand a scanner: <registry>/<repository>@<digest>' },
    state: { type: 'string', enum: ['PENDING_INITIAL_SCAN', 'STALE_INVENTORY', 'SCAN_FAILED'] },
    lastScannedAt: epochSeconds, runningUnits: count,
    scanFailure: object({ reason: { type: 'string', description: 'An Inspector2 ScanStatusReason' }, source: { type: 'string' }, detail: { type: 'string' }, at: epochSeconds }, ['reason', 'source', 'detail', 'at']),
    clusters: { type: 'array', items: object({ platform: { type: 'string', enum: ['ECS', 'EKS'] }, clusterArn: { type: 'string' }, runningUnits: count }) },
    places: { type: 'array', items: object({ clusterArn: { type: 'string' }, platform: { type: 'string', enum: ['ECS', 'EKS'] }, group: { type: 'string' }, workloads: strings }) },
    morePlaces: { const: true, description: 'It runs in more clusters than the 10 whose places are listed: its image answer lists them all' },
  }, ['resourceId', 'repository', 'digest', 'tags', 'reference', 'state', 'runningUnits', 'clusters', 'places']),
  AlertDestination: object({
    name: { type: 'string' }, type: { type: 'string', enum: ['webhook', 'slack'] }, host: { type: 'string', description: 'The URL\'s scheme and host (a Slack URL\'s path is its secret)' },
    events: strings, minSeverity: severity, accounts: strings, clusters: strings, namespaces: strings, repositories: strings, fixAvailableOnly: { type: 'boolean' },
    resolveAfterSeconds: { type: 'number' }, cooldownSeconds: { type: 'number' }, batchWindowSeconds: { type: 'number' },
  }),
  AlertDelivery: object({
    deliveryId: { type: 'string' }, destination: { type: 'string' }, messageId: { type: 'string', description: 'The webhook-id the receiver sees' }, eventId: { type: 'string' }, eventType: { type: 'string' },
    vulnerabilityId: { type: 'string' }, clusterArn: { type: 'string' }, state: { type: 'string', enum: ['pending', 'delivered', 'dead'] }, attempts: count,
    lastStatus: { type: 'integer' }, lastAnswer: { type: 'string' }, createdAt: epochSeconds, nextAttemptAt: epochSeconds, finishedAt: epochSeconds,
  }, ['deliveryId', 'destination', 'eventId', 'eventType', 'state', 'attempts', 'createdAt']),
};

const parameter = (name: string, description: string, schema: object, where: 'query' | 'path' = 'query') => ({ name, in: where, required: where === 'path', description, schema });
const parameters = {
  accountId: parameter('accountId', 'The account to show (12 digits): with --auth none; with sigv4 the signed-in key decides', { type: 'string', pattern: '^\\d{12}$' }),
  limit: parameter('limit', 'Rows a page (1-100)', { type: 'integer', minimum: 1, maximum: 100 }),
  cursor: parameter('cursor', "The previous page's nextCursor", { type: 'string' }),
  format: parameter('format', 'json (default) or csv: the whole list as a file', { type: 'string', enum: ['json', 'csv'] }),
  running: (byDefault: boolean) => parameter('running', `Only images running now (default ${byDefault})`, { type: 'string', enum: ['true', 'false', '1', '0', 'on', 'off'] }),
  clusterArn: parameter('clusterArn', 'An ECS or EKS cluster ARN', { type: 'string' }),
};
const pageParameters = [parameters.accountId, parameters.limit, parameters.cursor, parameters.format];

const json = (schema: object) => ({ 'application/json': { schema } });
const error = (description: string) => ({ description, content: json(ref('Error')) });
const errors = {
  400: error('A parameter is not valid: `parameter` names it'),
  401: error('Sign-in or a signature is required (--auth sigv4)'),
  403: error("The key may not read the console, or another account's data"),
  503: error('The database is unavailable; retry after the Retry-After header'),
};

function get(summary: string, parameterList: object[], answer: object, csv = true, notFound?: string) {
  return {
    get: {
      summary,
      parameters: parameterList,
      responses: {
        200: { description: 'The answer', content: { ...json(answer), ...(csv && { 'text/csv': { schema: { type: 'string' } } }) } },
        ...errors,
        ...(notFound && { 404: error(notFound) }),
      },
    },
  };
}

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'imagescope console API',
    version: packageVersion(),
    description: 'Read-only answers behind the console pages: each page is one of these routes. Times are epoch seconds. Lists page by cursor; format=csv answers the whole list.',
  },
  paths: {
    '/api/v1/summary': get('The account at a glance (the overview)', [parameters.accountId], ref('Summary'), false),
    '/api/v1/vulnerabilities': get('Vulnerabilities by running units', [
      ...pageParameters, parameters.running(true),
      parameter('severity', 'One or more severities, comma-separated', { type: 'string' }),
      parameter('fixable', 'Only those with a fixed version named', { type: 'string', enum: ['true', 'false', '1', '0', 'on', 'off'] }),
      parameter('q', 'Part of the id', { type: 'string' }),
    ], listOf('VulnerabilityRow')),
    '/api/v1/vulnerabilities/{vulnerabilityId}/exposure': get('The images that carry a vulnerability and where they run', [
      parameter('vulnerabilityId', 'CVE-2024-3094, GHSA-..., ALAS-...', { type: 'string' }, 'path'),
      ...pageParameters, parameters.running(true),
      parameter('clusterLimit', 'Cluster entries per image (1-100)', { type: 'integer', minimum: 1, maximum: 100 }),
    ], ref('Exposure')),
    '/api/v1/images': get('Scanned images, worst first', [...pageParameters, parameters.running(false), parameter('q', 'Part of the repository or digest', { type: 'string' })], listOf('Image')),
    '/api/v1/images/{resourceId}': get('One image: its counts, where it runs and its findings', [parameter('resourceId', 'The image resource id, URL-encoded', { type: 'string' }, 'path'), ...pageParameters], ref('ImageDetail'), true, 'The account has no such image'),
    '/api/v1/clusters': get('Clusters running images now, worst first', [...pageParameters, parameters.clusterArn], listOf('ClusterRow')),
    '/api/v1/pipelines': get('Image pipelines or build versions, worst first', [...pageParameters, parameter('by', 'pipeline (default) or build', { type: 'string', enum: ['pipeline', 'build'] })], object({ by: { type: 'string', enum: ['pipeline', 'build'] }, items: { type: 'array', items: ref('PipelineRow') }, nextCursor: { type: 'string' } }, ['by', 'items'])),
    '/api/v1/coverage': get('Images running now without a current scan, most running units first', [
      ...pageParameters, parameters.clusterArn,
      parameter('state', 'PENDING_INITIAL_SCAN (never scanned), STALE_INVENTORY (scan out of date) or SCAN_FAILED (the newest attempt gave no findings); all by default', { type: 'string', enum: ['PENDING_INITIAL_SCAN', 'STALE_INVENTORY', 'SCAN_FAILED'] }),
    ], listOf('CoverageRow')),
    '/api/v1/alerts/deliveries': get('The alerts file\'s destinations and the account\'s recent deliveries, newest first (the admin role under --auth sigv4)', [
      parameters.accountId,
      parameter('destination', 'Only this destination\'s', { type: 'string' }),
      parameter('state', 'Only pending, delivered or dead ones', { type: 'string', enum: ['pending', 'delivered', 'dead'] }),
      parameter('limit', 'Deliveries a page (1-200, default 50)', { type: 'integer', minimum: 1, maximum: 200 }),
      parameter('after', "The previous page's next", { type: 'string' }),
    ], object({
      enabled: { type: 'boolean', description: 'False when the server was started without --alerts' },
      destinations: { type: 'array', items: ref('AlertDestination') }, deliveries: { type: 'array', items: ref('AlertDelivery') },
      next: { type: 'string' }, destination: { type: 'string' }, state: { type: 'string' },
    }, ['enabled', 'destinations', 'deliveries']), false),
    '/api/v1/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } } },
  },
  components: { schemas },
};
