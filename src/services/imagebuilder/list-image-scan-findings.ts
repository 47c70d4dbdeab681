// EC2 Image Builder ListImageScanFindings: the ACTIVE findings that ListImageScanFindingAggregations
// counts, one by one, in the ImageScanFinding shape, with the pipeline and build version their image
// was tagged with. At most one filter with one value: imagePipelineArn, imageBuildVersionArn,
// vulnerabilityId or severity; none lists the whole account. For every filter, the findings listed
// add up to the aggregation's counts for the same filter. Worst first, ties by finding id; the
// tokens and errors are the aggregations'.
import type { FindingCondition } from '../../domain/finding-criteria.ts';
import type { OperationContext, OperationDefinition } from '../../protocol/operation.ts';
import type { TokenBinding } from '../../protocol/pagination-token.ts';
import { isFindingCursor } from '../inspector2/list-findings.ts';
import type { FindingCursor, ListedFinding } from '../../store/store.ts';
import { inspectorFinding } from '../inspector2/finding-shape.ts';
import { InvalidRequestException } from './errors.ts';
import { imagebuilder } from './service.ts';

/** Without maxResults: the model's maximum. */
export const defaultMaxResults = 25;

const filterNames = ['imagePipelineArn', 'imageBuildVersionArn', 'vulnerabilityId', 'severity'] as const;

export interface ListImageScanFindingsRequest {
  filters?: { name?: string; values?: string[] }[];
  maxResults?: number;
  nextToken?: string;
}

export interface ListImageScanFindingsResponse {
  requestId: string;
  findings: object[];
  nextToken?: string;
}

async function handle(input: ListImageScanFindingsRequest, context: OperationContext): Promise<ListImageScanFindingsResponse> {
  const condition = conditionOf(input.filters?.[0]);
  const binding: TokenBinding = { operation: 'ListImageScanFindings', accountId: context.accountId, region: context.region, filter: input.filters ?? null };
  const after = input.nextToken != null ? context.tokens.openAs<FindingCursor>(input.nextToken, binding, context.now, isFindingCursor) : undefined;
  const active: FindingCondition = { field: 'findingStatus', text: [{ comparison: 'EQUALS', value: 'ACTIVE' }] };
  const page = await context.store.findingsPage({
    accountId: context.accountId,
    criteria: { conditions: condition ? [active, condition] : [active] },
    order: { by: 'severity', worstFirst: true },
    after,
    limit: input.maxResults ?? defaultMaxResults,
  });
  const response: ListImageScanFindingsResponse = { requestId: context.requestId, findings: page.findings.map(imageScanFinding) };
  const last = page.findings.at(-1);
  if (page.more && last) response.nextToken = context.tokens.seal(binding, last.cursor, context.now);
  return response;
}

function conditionOf(filter: { name?: string; values?: string[] } | undefined): FindingCondition | undefined {
  if (!filter) return undefined;
  if (!filter.name || !(filterNames as readonly string[]).includes(filter.name)) {
    throw new InvalidRequestException(`The filter name '${filter.name ?? ''}' is not valid. Valid names: ${filterNames.join(', ')}.`);
  }
  if (!filter.values?.length) throw new InvalidRequestException(`The filter '${filter.name}' needs one value.`);
  return { field: filter.name as (typeof filterNames)[number], text: [{ comparison: 'EQUALS', value: filter.values[0]! }] };
}

/** Inspector2's finding, in the members ImageScanFinding has. */
function imageScanFinding(f: ListedFinding): object {
  const finding = inspectorFinding(f);
  const { text, Url } = finding.remediation.recommendation;
  return {
    awsAccountId: finding.awsAccountId,
    ...(f.image.imageBuildVersionArn && { imageBuildVersionArn: f.image.imageBuildVersionArn }),
    ...(f.image.imagePipelineArn && { imagePipelineArn: f.image.imagePipelineArn }),
    type: finding.type,
    description: finding.description,
    title: finding.title,
    remediation: { recommendation: { text, ...(Url && { url: Url }) } },
    severity: finding.severity,
    firstObservedAt: finding.firstObservedAt,
    updatedAt: finding.updatedAt,
    ...(finding.inspectorScore !== undefined && { inspectorScore: finding.inspectorScore, inspectorScoreDetails: finding.inspectorScoreDetails }),
    packageVulnerabilityDetails: finding.packageVulnerabilityDetails,
    fixAvailable: finding.fixAvailable,
  };
}

export const listImageScanFindings: OperationDefinition<ListImageScanFindingsRequest, ListImageScanFindingsResponse> = {
  service: imagebuilder,
  name: 'ListImageScanFindings',
  answerDependsOnStoreOnly: true,
  handle,
};
