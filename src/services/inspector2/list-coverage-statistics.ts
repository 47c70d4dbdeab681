// Inspector2 ListCoverageStatistics: how many of the covered resources ListCoverage lists pass the
// filter (totalCounts), and, with groupBy, how many in each group, the largest first (ties by the
// group's value), five groups a page as the model's CountsList allows. Each count's groupKey is the
// group's value (a status code, a repository name), as Inspector2 answers, though the model types it
// with the enum of the keys.
import type { OperationContext, OperationDefinition } from '../../protocol/operation.ts';
import type { TokenBinding } from '../../protocol/pagination-token.ts';
import { coveredEntries, coverageMatches, coverageTextValues, scanStatusOf, type CoverageFilterCriteria } from './coverage/covered-resources.ts';
import { coverageWindows } from './list-coverage.ts';
import { inspector2 } from './service.ts';

/** CountsList holds at most five. */
const groupsPerPage = 5;

export interface ListCoverageStatisticsRequest {
  filterCriteria?: CoverageFilterCriteria;
  groupBy?: string;
  nextToken?: string;
}

export interface ListCoverageStatisticsResponse {
  totalCounts: number;
  countsByGroup?: { count: number; groupKey: string }[];
  nextToken?: string;
}

/** The filter member whose value each groupBy key groups by; a resource without one is in no group. */
const groupMembers: Record<string, string> = {
  SCAN_STATUS_CODE: 'scanStatusCode',
  SCAN_STATUS_REASON: 'scanStatusReason',
  ACCOUNT_ID: 'accountId',
  RESOURCE_TYPE: 'resourceType',
  ECR_REPOSITORY_NAME: 'ecrRepositoryName',
  PROVIDER: 'cloudProvider',
  PROVIDER_ACCOUNT_ID: 'cloudProviderAccountId',
  PROVIDER_REGION: 'cloudProviderRegion',
  // No organisation: every resource is the tenant account's own.
  PROVIDER_ORG_ID: 'cloudProviderOrgId',
};

interface GroupCursor {
  count: number;
  key: string;
}

const order = (a: GroupCursor, b: GroupCursor) => (a.count !== b.count ? b.count - a.count : a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

async function handle(input: ListCoverageStatisticsRequest, context: OperationContext): Promise<ListCoverageStatisticsResponse> {
  const binding: TokenBinding = { operation: 'ListCoverageStatistics', accountId: context.accountId, region: context.region, filter: { filterCriteria: input.filterCriteria ?? null, groupBy: input.groupBy ?? null } };
  const after = input.nextToken != null ? context.tokens.openAs<GroupCursor>(input.nextToken, binding, context.now, (p) => typeof p.count === 'number' && typeof p.key === 'string') : undefined;
  const windows = coverageWindows(context);
  const groupOf = input.groupBy ? coverageTextValues[groupMembers[input.groupBy]!] : undefined;
  const counts = new Map<string, number>();
  let totalCounts = 0;
  for (const entry of coveredEntries(await context.readModels.fleet.read(context.accountId))) {
    const status = scanStatusOf(entry, windows);
    if (!coverageMatches(entry, status, input.filterCriteria)) continue;
    totalCounts++;
    const key = groupOf?.(entry, status) as string | undefined;
    if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (!groupOf) return { totalCounts };
  const groups = [...counts].map(([key, count]) => ({ key, count })).sort(order).filter((g) => !after || order(g, after) > 0);
  const page = groups.slice(0, groupsPerPage);
  const countsByGroup = page.map((g) => ({ count: g.count, groupKey: g.key }));
  const last = page.at(-1);
  return groups.length > groupsPerPage && last ? { totalCounts, countsByGroup, nextToken: context.tokens.seal(binding, last, context.now) } : { totalCounts, countsByGroup };
}

export const listCoverageStatistics: OperationDefinition<ListCoverageStatisticsRequest, ListCoverageStatisticsResponse> = {
  service: inspector2,
  name: 'ListCoverageStatistics',
  handle,
};
