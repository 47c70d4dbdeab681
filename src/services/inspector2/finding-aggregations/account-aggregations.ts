// ACCOUNT and FINDING_TYPE: one group per account that owns images with open findings (imagescope
// has one finding type, PACKAGE_VULNERABILITY, on one resource type, AWS_ECR_CONTAINER_IMAGE, so
// FINDING_TYPE's group is the account's too), with how many findings have a fix and how many a known
// exploit.
import { repositoryParts } from '../../../domain/images.ts';
import { imageCounts, rankCounts, severityCounts, sortingEntries, type AggregationEntry, type AggregationKind, type AggregationSource } from './aggregation-entries.ts';
import { exploitedCounts } from './occurrence-aggregations.ts';

interface AccountTotals {
  accountId: string;
  partition: string;
  region: string;
  ranks: Float64Array;
  fixAvailableCount: number;
  exploitAvailableCount: number;
}

function accountTotals(source: AggregationSource): AccountTotals[] {
  const exploited = exploitedCounts(source);
  const byAccount = new Map<string, AccountTotals>();
  for (const image of source.fleet.images) {
    if (image.all === 0) continue;
    const parts = repositoryParts(image.repository);
    let totals = byAccount.get(parts.accountId);
    if (!totals) byAccount.set(parts.accountId, (totals = { accountId: parts.accountId, partition: parts.partition, region: parts.region, ranks: rankCounts(), fixAvailableCount: 0, exploitAvailableCount: 0 }));
    imageCounts(image.counts).forEach((n, rank) => (totals.ranks[rank] += n));
    totals.fixAvailableCount += image.fixable.all;
    totals.exploitAvailableCount += exploited.get(image.imageId) ?? 0;
  }
  return [...byAccount.values()];
}

const scopeFilters = { findingType: 'one', resourceType: 'one' } as const;
const scopeValues = { findingType: 'PACKAGE_VULNERABILITY', resourceType: 'AWS_ECR_CONTAINER_IMAGE' };

/** ACCOUNT and FINDING_TYPE answer the same groups; FINDING_TYPE's response adds the cloud members. */
function accountKind(member: string, withCloud: boolean): AggregationKind {
  return {
    member,
    countsOccurrences: true,
    filters: scopeFilters,
    sorted: sortingEntries((source) => accountTotals(source).map((t): AggregationEntry => {
      const counts = severityCounts(t.ranks);
      const cloud = withCloud && { cloudProvider: 'AWS', cloudAccountId: t.accountId, cloudRegion: t.region, cloudPartition: t.partition };
      const response = { accountId: t.accountId, severityCounts: counts, exploitAvailableCount: t.exploitAvailableCount, fixAvailableCount: t.fixAvailableCount, ...cloud };
      return { key: t.accountId, counts, values: scopeValues, response };
    })),
  };
}

export const account = accountKind('accountAggregation', false);
export const findingType = accountKind('findingTypeAggregation', true);
