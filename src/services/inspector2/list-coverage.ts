// Inspector2 ListCoverage: every image the account scanned or ran, and every repository of them, with
// the scan status coverage/covered-resources.ts maps them to, filtered as the model's
// CoverageFilterCriteria says. Sorted by resource id (a repository, then its images); pages are full
// and the token is bound to the filter. The status moves with the clock (a scan grows stale), so an
// answer is never kept and served again.
import type { OperationContext, OperationDefinition } from '../../protocol/operation.ts';
import type { TokenBinding } from '../../protocol/pagination-token.ts';
import { coveredEntries, coverageMatches, scanStatusOf, type CoverageFilterCriteria, type CoveredEntry, type CoverageWindows, type ScanStatus } from './coverage/covered-resources.ts';
import { inspector2 } from './service.ts';

/** Without maxResults: the model's maximum. */
const defaultMaxResults = 200;

export interface ListCoverageRequest {
  maxResults?: number;
  nextToken?: string;
  filterCriteria?: CoverageFilterCriteria;
}

export interface ListCoverageResponse {
  coveredResources: object[];
  nextToken?: string;
}

export const coverageWindows = (context: OperationContext): CoverageWindows => ({ now: context.now, freshnessMs: context.settings.scanFreshnessMs, retentionMs: context.settings.retentionMs });

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function coveredResource(entry: CoveredEntry, scanStatus: ScanStatus): object {
  const ecrRepository = { name: entry.repositoryName };
  const resourceMetadata = entry.resourceType === 'AWS_ECR_REPOSITORY'
    ? { ecrRepository }
    : { ecrRepository, ecrImage: { tags: entry.tags, ...(entry.lastInUseAt !== undefined && { lastInUseAt: seconds(entry.lastInUseAt) }), inUseCount: entry.inUseCount } };
  return {
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    accountId: entry.accountId,
    scanType: 'PACKAGE',
    scanStatus,
    resourceMetadata,
    ...(entry.lastScannedAt !== undefined && { lastScannedAt: seconds(entry.lastScannedAt) }),
  };
}

async function handle(input: ListCoverageRequest, context: OperationContext): Promise<ListCoverageResponse> {
  const binding: TokenBinding = { operation: 'ListCoverage', accountId: context.accountId, region: context.region, filter: { filterCriteria: input.filterCriteria ?? null } };
  const after = input.nextToken != null ? context.tokens.openAs<{ resourceId: string }>(input.nextToken, binding, context.now, (p) => typeof p.resourceId === 'string').resourceId : undefined;
  const entries = coveredEntries(await context.readModels.fleet.read(context.accountId));
  const windows = coverageWindows(context);
  const limit = input.maxResults ?? defaultMaxResults;
  const page: object[] = [];
  let last: CoveredEntry | undefined;
  for (let i = after === undefined ? 0 : firstAfter(entries, after); i < entries.length; i++) {
    const entry = entries[i]!;
    const status = scanStatusOf(entry, windows);
    if (!coverageMatches(entry, status, input.filterCriteria)) continue;
    if (page.length === limit) return { coveredResources: page, nextToken: context.tokens.seal(binding, { resourceId: last!.resourceId }, context.now) };
    page.push(coveredResource(entry, status));
    last = entry;
  }
  return { coveredResources: page };
}

/** The first entry whose resource id sorts after the cursor's. */
function firstAfter(entries: CoveredEntry[], resourceId: string): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (entries[middle]!.resourceId <= resourceId) low = middle + 1;
    else high = middle;
  }
  return low;
}

export const listCoverage: OperationDefinition<ListCoverageRequest, ListCoverageResponse> = {
  service: inspector2,
  name: 'ListCoverage',
  handle,
};
