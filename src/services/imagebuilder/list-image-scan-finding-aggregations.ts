// EC2 Image Builder ListImageScanFindingAggregations: severity counts per account, image pipeline,
// image build version or vulnerability id, read from rollups kept current at ingest. Lists are worst
// first and paged with a fixed page size; every page of one sequence reads the rollups as of the
// version its first page saw, so ingestion between pages never repeats or skips a key.
import { imagebuilderModel } from '../../model/service-model.ts';
import type { OperationContext, OperationDefinition } from '../../protocol/operation.ts';
import { PaginationTokenError, type TokenBinding } from '../../protocol/pagination-token.ts';
import type { AggregationRow, RollupAggregation } from '../../store/store.ts';
import { InvalidRequestException } from './errors.ts';
import { imagebuilder } from './service.ts';

export interface ListImageScanFindingAggregationsRequest {
  filter?: { name?: string; values?: string[] };
  nextToken?: string;
}

type SeverityCounts = { all: number; critical: number; high: number; medium: number };

export interface ListImageScanFindingAggregationsResponse {
  requestId: string;
  aggregationType: RollupAggregation;
  responses: Record<string, unknown>[];
  nextToken?: string;
}

/** Filter name -> the response member it fills, its key member, and the pattern its values must match. */
const aggregations: Record<RollupAggregation, { member: string; keyMember: string; valuePattern?: RegExp }> = {
  accountId: { member: 'accountAggregation', keyMember: 'accountId', valuePattern: /^\d{12}$/ },
  imagePipelineArn: { member: 'imagePipelineAggregation', keyMember: 'imagePipelineArn', valuePattern: new RegExp(imagebuilderModel.shapes.ImagePipelineArn.pattern!) },
  imageBuildVersionArn: { member: 'imageAggregation', keyMember: 'imageBuildVersionArn', valuePattern: new RegExp(imagebuilderModel.shapes.ImageBuildVersionArn.pattern!) },
  vulnerabilityId: { member: 'vulnerabilityIdAggregation', keyMember: 'vulnerabilityId' },
};

interface Position {
  version?: number;
  after?: AggregationRow;
}

async function handle(input: ListImageScanFindingAggregationsRequest, context: OperationContext): Promise<ListImageScanFindingAggregationsResponse> {
  const { aggregation, keys } = resolveFilter(input.filter, context.accountId);
  const binding: TokenBinding = { operation: 'ListImageScanFindingAggregations', accountId: context.accountId, region: context.region, filter: input.filter ?? null };
  const position: Position = input.nextToken ? openPosition(context.tokens.open(input.nextToken, binding, context.now)) : {};
  const pageSize = context.settings.aggregationPageSize;
  const query = { accountId: context.accountId, aggregation, version: position.version, keys, after: position.after, limit: pageSize + 1 };
  let { version, rows } = await context.store.aggregationPage(query);
  if (position.version === undefined && rows.length > pageSize) {
    // A sequence begins: pin its version so that ingests keep the rows its later pages read. An
    // ingest that committed since this page was read may have changed them in place: read again.
    const pinned = await context.store.pinRollupVersion(context.accountId);
    if (pinned !== undefined && pinned !== version) ({ version, rows } = await context.store.aggregationPage({ ...query, version: pinned }));
  }
  const page = rows.slice(0, pageSize);
  // With no filter the answer is always the caller's account, with zero counts if it has no findings.
  if (!input.filter?.name && page.length === 0 && !position.after) page.push({ key: context.accountId, all: 0, critical: 0, high: 0, medium: 0 });
  const { member, keyMember } = aggregations[aggregation];
  const response: ListImageScanFindingAggregationsResponse = {
    requestId: context.requestId,
    aggregationType: aggregation,
    responses: page.map((row) => ({ [member]: { [keyMember]: row.key, severityCounts: countsOf(row) } })),
  };
  if (rows.length > pageSize) response.nextToken = context.tokens.seal(binding, { version, after: page.at(-1) }, context.now);
  return response;
}

function resolveFilter(filter: ListImageScanFindingAggregationsRequest['filter'], accountId: string): { aggregation: RollupAggregation; keys?: string[] } {
  if (!filter || (filter.name === undefined && filter.values === undefined)) return { aggregation: 'accountId', keys: [accountId] };
  if (filter.name === undefined) throw new InvalidRequestException('The filter must have a name when it has values. Valid names: accountId, imagePipelineArn, imageBuildVersionArn, vulnerabilityId.');
  if (!Object.hasOwn(aggregations, filter.name)) {
    throw new InvalidRequestException(`The filter name '${filter.name}' is not valid. Valid names: accountId, imagePipelineArn, imageBuildVersionArn, vulnerabilityId.`);
  }
  const aggregation = filter.name as RollupAggregation;
  const { valuePattern } = aggregations[aggregation];
  const bad = filter.values?.find((value) => valuePattern && !valuePattern.test(value));
  if (bad !== undefined) throw new InvalidRequestException(`The value '${bad}' is not a valid ${aggregation}.`);
  return { aggregation, keys: filter.values ? [...new Set(filter.values)] : undefined };
}

function openPosition(sealed: unknown): Position {
  const p = sealed as Position;
  if (typeof p !== 'object' || p === null || typeof p.version !== 'number') throw new PaginationTokenError('The nextToken is not valid.');
  return p;
}

function countsOf(row: AggregationRow): SeverityCounts {
  return { all: row.all, critical: row.critical, high: row.high, medium: row.medium };
}

export const listImageScanFindingAggregations: OperationDefinition<ListImageScanFindingAggregationsRequest, ListImageScanFindingAggregationsResponse> = {
  service: imagebuilder,
  name: 'ListImageScanFindingAggregations',
  answerDependsOnStoreOnly: true,
  handle,
};
