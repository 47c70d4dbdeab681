// Inspector2 ListFindings: the account's findings, filtered and sorted as the model defines, every
// status unless findingStatus says otherwise. Pages are full (a short page is the last, and has no
// nextToken), and the token is bound to the filter and the sort, so a token reused with another
// filter is refused.
import { rangeOfFilter, type FindingCriteria, type PackageCriterion, type RangeField, type TextCriterion, type TextField } from '../../domain/finding-criteria.ts';
import type { OperationContext, OperationDefinition } from '../../protocol/operation.ts';
import type { TokenBinding } from '../../protocol/pagination-token.ts';
import type { FindingCursor, FindingOrder, ListedFinding } from '../../store/store.ts';
import { inspectorFinding, type Inspector2Finding } from './finding-shape.ts';
import { inspector2 } from './service.ts';

/** Without maxResults: the model's maximum, so most listings take few requests. */
export const defaultMaxResults = 100;

type StringFilter = TextCriterion;
type DateFilter = { startInclusive?: number; endInclusive?: number };
type NumberFilter = { lowerInclusive?: number; upperInclusive?: number };
type PackageFilter = { name?: StringFilter; version?: StringFilter; epoch?: NumberFilter; release?: StringFilter; architecture?: StringFilter; sourceLayerHash?: StringFilter; sourceLambdaLayerArn?: StringFilter; filePath?: StringFilter };

export interface ListFindingsRequest {
  maxResults?: number;
  nextToken?: string;
  filterCriteria?: Record<string, StringFilter[] | DateFilter[] | NumberFilter[] | PackageFilter[] | unknown[]>;
  sortCriteria?: { field: string; sortOrder: 'ASC' | 'DESC' };
}

export interface ListFindingsResponse {
  findings: Inspector2Finding[];
  nextToken?: string;
}

/** The model's image fields for any cloud, and the ECR fields they stand for. */
const cloudImageTwins: Record<string, TextField | RangeField> = {
  cloudImageDigest: 'ecrImageHash',
  cloudImageRepositoryName: 'ecrImageRepositoryName',
  cloudImageTags: 'ecrImageTags',
  cloudImageRegistry: 'ecrImageRegistry',
  cloudImageArchitecture: 'ecrImageArchitecture',
  cloudImagePushedAt: 'ecrImagePushedAt',
  cloudImageLastInUseAt: 'ecrImageLastInUseAt',
  cloudImageInUseCount: 'ecrImageInUseCount',
};
const textFields = new Set<string>(['findingArn', 'awsAccountId', 'findingType', 'severity', 'findingStatus', 'title', 'resourceType', 'resourceId', 'ecrImageRegistry', 'ecrImageRepositoryName', 'ecrImageTags', 'ecrImageHash', 'ecrImageArchitecture', 'vulnerabilityId', 'vulnerabilitySource', 'vendorSeverity', 'relatedVulnerabilities', 'fixAvailable', 'exploitAvailable']);
const dateFields = new Set<string>(['firstObservedAt', 'lastObservedAt', 'updatedAt', 'ecrImagePushedAt', 'ecrImageLastInUseAt']);
const numberFields = new Set<string>(['inspectorScore', 'epssScore', 'ecrImageInUseCount']);

/** The request's filterCriteria as imagescope matches them (dates from epoch seconds to ms). */
export function criteriaOf(filterCriteria: ListFindingsRequest['filterCriteria']): FindingCriteria {
  const criteria: FindingCriteria = { conditions: [] };
  for (const [name, entries] of Object.entries(filterCriteria ?? {})) {
    if (!Array.isArray(entries) || entries.length === 0) continue;
    const field: string = cloudImageTwins[name] ?? name;
    if (textFields.has(field)) criteria.conditions.push({ field: field as TextField, text: entries as StringFilter[] });
    else if (dateFields.has(field)) criteria.conditions.push({ field: field as RangeField, range: (entries as DateFilter[]).map((d) => rangeOfFilter(d, 'date')) });
    else if (numberFields.has(field)) criteria.conditions.push({ field: field as RangeField, range: (entries as NumberFilter[]).map((n) => rangeOfFilter(n, 'number')) });
    else if (field === 'vulnerablePackages') criteria.conditions.push({ field: 'vulnerablePackages', packages: (entries as PackageFilter[]).map(packageOf) });
    // Every other member is about another kind of resource (EC2, Lambda, code, ports, VMs, ...).
    else criteria.otherResourceField ??= name;
  }
  return criteria;
}

function packageOf(p: PackageFilter): PackageCriterion {
  const { epoch, ...text } = p;
  return { ...text, ...(epoch && { epoch: rangeOfFilter(epoch, 'number') }) };
}

/** The sort fields that have a meaning for container images, and what each sorts by. */
const valueSorts: Record<string, Extract<FindingOrder, { by: 'value' }>['value']> = {
  FIRST_OBSERVED_AT: 'firstObservedAt',
  LAST_OBSERVED_AT: 'lastObservedAt',
  FINDING_STATUS: 'status',
  VULNERABILITY_ID: 'vulnerabilityId',
  AWS_ACCOUNT_ID: 'accountId',
  ECR_IMAGE_REGISTRY: 'accountId',
  ECR_IMAGE_REPOSITORY_NAME: 'repositoryName',
  VULNERABILITY_SOURCE: 'vulnerabilitySource',
  VENDOR_SEVERITY: 'vendorSeverity',
  INSPECTOR_SCORE: 'inspectorScore',
  EPSS_SCORE: 'epssScore',
};

/** Without sortCriteria: worst first, ties by finding ARN. Fields with no meaning for images (one value for all, or none): by finding ARN. */
export function orderOf(sort: ListFindingsRequest['sortCriteria']): FindingOrder {
  if (!sort || sort.field === 'SEVERITY') return { by: 'severity', worstFirst: sort?.sortOrder !== 'ASC' };
  const value = valueSorts[sort.field];
  return value ? { by: 'value', value, descending: sort.sortOrder === 'DESC' } : { by: 'id' };
}

async function handle(input: ListFindingsRequest, context: OperationContext): Promise<ListFindingsResponse> {
  const binding: TokenBinding = { operation: 'ListFindings', accountId: context.accountId, region: context.region, filter: { filterCriteria: input.filterCriteria ?? null, sortCriteria: input.sortCriteria ?? null } };
  const after = input.nextToken != null ? context.tokens.openAs<FindingCursor>(input.nextToken, binding, context.now, isFindingCursor) : undefined;
  const page = await context.store.findingsPage({
    accountId: context.accountId,
    criteria: criteriaOf(input.filterCriteria),
    order: orderOf(input.sortCriteria),
    after,
    limit: input.maxResults ?? defaultMaxResults,
  });
  const findings = page.findings.map((f: ListedFinding) => inspectorFinding(f));
  const last = page.findings.at(-1);
  return page.more && last ? { findings, nextToken: context.tokens.seal(binding, last.cursor, context.now) } : { findings };
}

/** The shape of a ListFindings (and ListImageScanFindings) position. */
export const isFindingCursor = (p: FindingCursor) => typeof p.rank === 'number' && typeof p.id === 'string';

export const listFindings: OperationDefinition<ListFindingsRequest, ListFindingsResponse> = {
  service: inspector2,
  name: 'ListFindings',
  answerDependsOnStoreOnly: true,
  handle,
};

