// Inspector2 ListFindingAggregations: the account's open findings counted by image, repository,
// package, title, account, finding type or image layer, filtered and sorted as each type's model
// structure says (worst first by default: sortBy CRITICAL, DESC). The groups come from the read
// models kept in memory (the fleet's image summaries, the open findings' narrow form), built once per
// change of the account; a request filters and pages a list already sorted. Pages are full, and the
// token is bound to the type, the accountIds and the aggregationRequest.
import { matchesText } from '../../domain/finding-criteria.ts';
import { derivedOnce } from '../../read-models/fleet.ts';
import type { OperationContext, OperationDefinition } from '../../protocol/operation.ts';
import type { TokenBinding } from '../../protocol/pagination-token.ts';
import { ValidationException } from './errors.ts';
import { account, findingType } from './finding-aggregations/account-aggregations.ts';
import { firstAfter, passes, sortValue, type AggregationCursor, type AggregationEntry, type AggregationKind, type AggregationSource, type StringFilter } from './finding-aggregations/aggregation-entries.ts';
import { awsEcrContainer, containerImage, repository } from './finding-aggregations/image-aggregations.ts';
import { imageLayer, packageKind } from './finding-aggregations/occurrence-aggregations.ts';
import { title } from './finding-aggregations/title-aggregation.ts';
import { defaultMaxResults } from './list-findings.ts';
import { inspector2 } from './service.ts';

export interface ListFindingAggregationsRequest {
  aggregationType: string;
  nextToken?: string;
  maxResults?: number;
  accountIds?: StringFilter[];
  aggregationRequest?: Record<string, Record<string, unknown>>;
}

export interface ListFindingAggregationsResponse {
  aggregationType: string;
  responses: Record<string, object>[];
  nextToken?: string;
}

/**
 * The types imagescope has groups for. The others (AMI, AWS_EC2_INSTANCE, AWS_LAMBDA_FUNCTION,
 * LAMBDA_LAYER, CODE_REPOSITORY, VM_INSTANCE, SERVERLESS_FUNCTION) are about resources it never
 * holds: an empty list.
 */
const kinds: Record<string, AggregationKind> = {
  AWS_ECR_CONTAINER: awsEcrContainer,
  CONTAINER_IMAGE: containerImage,
  REPOSITORY: repository,
  PACKAGE: packageKind,
  TITLE: title,
  ACCOUNT: account,
  FINDING_TYPE: findingType,
  IMAGE_LAYER: imageLayer,
};

/** The type's filters and sort, refused when aggregationRequest names another type's structure. */
function typeRequest(input: ListFindingAggregationsRequest, member: string | undefined): Record<string, unknown> {
  const given = Object.entries(input.aggregationRequest ?? {}).filter(([, value]) => value != null);
  const other = given.find(([name]) => name !== member);
  if (other) {
    const message = `aggregationRequest.${other[0]} does not apply to aggregationType ${input.aggregationType}${member ? `: use ${member}` : ''}.`;
    throw new ValidationException(message, 'FIELD_VALIDATION_FAILED', [{ name: `aggregationRequest.${other[0]}`, message }]);
  }
  return given[0]?.[1] ?? {};
}

async function sourceFor(kind: AggregationKind, context: OperationContext): Promise<{ source: AggregationSource; owner: object }> {
  const models = context.readModels;
  if (!kind.countsOccurrences) {
    const fleet = await models.fleet.read(context.accountId);
    return { source: { fleet }, owner: fleet };
  }
  const occurrences = await models.occurrences.read(context.accountId);
  const exploited = await models.occurrences.exploited(context.accountId, occurrences.fleet);
  return { source: { fleet: occurrences.fleet, occurrences, exploited }, owner: occurrences };
}

async function handle(input: ListFindingAggregationsRequest, context: OperationContext): Promise<ListFindingAggregationsResponse> {
  const { aggregationType } = input;
  const binding: TokenBinding = { operation: 'ListFindingAggregations', accountId: context.accountId, region: context.region, filter: { aggregationType, accountIds: input.accountIds ?? null, aggregationRequest: input.aggregationRequest ?? null } };
  const after = input.nextToken != null ? context.tokens.openAs<AggregationCursor>(input.nextToken, binding, context.now, (p) => typeof p.value === 'number' && typeof p.key === 'string') : undefined;
  const kind = kinds[aggregationType];
  const request = typeRequest(input, kind?.member ?? memberOfOtherType(aggregationType));
  if (!kind) return { aggregationType, responses: [] };
  const sortBy = (request.sortBy as string | undefined) ?? 'CRITICAL';
  const descending = request.sortOrder !== 'ASC';
  const { source, owner } = await sourceFor(kind, context);
  const sorted = derivedOnce(owner, `${kind.member}\u0000${sortBy}\u0000${descending}`, () => kind.sorted(source, sortBy, descending));
  const limit = input.maxResults ?? defaultMaxResults;
  const page: AggregationEntry[] = [];
  let more = false;
  for (let i = after ? firstAfter(sorted, after, descending) : 0; i < sorted.length; i++) {
    const entry = sorted.entry(i);
    if (!passes(entry, kind, request) || (input.accountIds && !matchesText((entry.response as { accountId?: string }).accountId, input.accountIds))) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(entry);
  }
  const responses = page.map((entry) => ({ [kind.member]: entry.response }));
  const last = page.at(-1);
  return more && last ? { aggregationType, responses, nextToken: context.tokens.seal(binding, { value: sortValue(last, sortBy), key: last.key }, context.now) } : { aggregationType, responses };
}

/** The aggregationRequest member of a type imagescope has no groups for (`AMI` -> `amiAggregation`). */
function memberOfOtherType(aggregationType: string): string | undefined {
  const members: Record<string, string> = {
    AMI: 'amiAggregation', AWS_EC2_INSTANCE: 'ec2InstanceAggregation', AWS_LAMBDA_FUNCTION: 'lambdaFunctionAggregation', LAMBDA_LAYER: 'lambdaLayerAggregation',
    CODE_REPOSITORY: 'codeRepositoryAggregation', VM_INSTANCE: 'vmInstanceAggregation', SERVERLESS_FUNCTION: 'serverlessFunctionAggregation',
  };
  return members[aggregationType];
}

export const listFindingAggregations: OperationDefinition<ListFindingAggregationsRequest, ListFindingAggregationsResponse> = {
  service: inspector2,
  name: 'ListFindingAggregations',
  answerDependsOnStoreOnly: true,
  handle,
};
