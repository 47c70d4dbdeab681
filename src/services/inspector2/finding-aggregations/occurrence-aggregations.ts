// The aggregations of open findings grouped below the image, read from the account's occurrences
// (read-models/occurrences.ts): PACKAGE (by package name) and IMAGE_LAYER (by image and the layer the
// scanner names for the package; findings whose scanner names no layer are in none); TITLE has a file
// of its own. Every group is per account, the account that owns the image as ListFindings'
// awsAccountId gives it.
import { repositoryParts } from '../../../domain/images.ts';
import { derivedOnce, type FleetImage } from '../../../read-models/fleet.ts';
import type { ImageOccurrences, Occurrences } from '../../../read-models/occurrences.ts';
import { rankCounts, severityCounts, sortingEntries, type AggregationEntry, type AggregationKind, type AggregationSource, type RankCounts } from './aggregation-entries.ts';

/** Each image's open findings with their image, the account that owns it, and its occurrences. */
function* imagesWithOccurrences(source: AggregationSource): Generator<{ image: FleetImage; accountId: string; found: ImageOccurrences }> {
  for (const image of source.fleet.images) {
    const found = source.occurrences!.byImage.get(image.imageId);
    if (found && found.rank.length > 0) yield { image, accountId: repositoryParts(image.repository).accountId, found };
  }
}

/** Sums occurrences into groups keyed per account by a number the caller derives from each occurrence. */
function groupCounts(source: AggregationSource, keyOf: (found: ImageOccurrences, i: number) => number): Map<string, Map<number, RankCounts>> {
  const byAccount = new Map<string, Map<number, RankCounts>>();
  for (const { accountId, found } of imagesWithOccurrences(source)) {
    let groups = byAccount.get(accountId);
    if (!groups) byAccount.set(accountId, (groups = new Map()));
    for (let i = 0; i < found.rank.length; i++) {
      const key = keyOf(found, i);
      let counts = groups.get(key);
      if (!counts) groups.set(key, (counts = rankCounts()));
      counts[found.rank[i]!]!++;
    }
  }
  return byAccount;
}

export const packageKind: AggregationKind = {
  member: 'packageAggregation',
  countsOccurrences: true,
  filters: { packageNames: 'text' },
  sorted: sortingEntries((source) => {
    const names = source.occurrences!.packageNames;
    const entries: AggregationEntry[] = [];
    for (const [accountId, groups] of groupCounts(source, (found, i) => found.package[i]!)) {
      for (const [p, ranks] of groups) {
        const counts = severityCounts(ranks);
        entries.push({ key: `${accountId}\u0000${names[p]}`, counts, values: { packageNames: names[p] }, response: { packageName: names[p], accountId, severityCounts: counts } });
      }
    }
    return entries;
  }),
};

export const imageLayer: AggregationKind = {
  member: 'imageLayerAggregation',
  countsOccurrences: true,
  filters: { repositories: 'text', resourceIds: 'text', layerHashes: 'text', cloudProviders: 'text', cloudAccountIds: 'text', cloudOrgIds: 'text', cloudRegions: 'text', cloudPartitions: 'text' },
  sorted: sortingEntries((source) => {
    const entries: AggregationEntry[] = [];
    for (const { image, found } of imagesWithOccurrences(source)) {
      const parts = repositoryParts(image.repository);
      const byLayer = new Map<number, RankCounts>();
      for (let i = 0; i < found.layer.length; i++) {
        if (found.layer[i]! < 0) continue;
        let counts = byLayer.get(found.layer[i]!);
        if (!counts) byLayer.set(found.layer[i]!, (counts = rankCounts()));
        counts[found.rank[i]!]!++;
      }
      for (const [layer, ranks] of byLayer) {
        const layerHash = image.layers[layer];
        if (!layerHash) continue;
        const counts = severityCounts(ranks);
        const values = { repositories: parts.name, resourceIds: image.resourceId, layerHashes: layerHash, cloudProviders: 'AWS', cloudAccountIds: parts.accountId, cloudOrgIds: undefined, cloudRegions: parts.region, cloudPartitions: parts.partition };
        const response = { repository: parts.name, resourceId: image.resourceId, layerHash, accountId: parts.accountId, cloudProvider: 'AWS', cloudAccountId: parts.accountId, cloudRegion: parts.region, cloudPartition: parts.partition, severityCounts: counts };
        entries.push({ key: `${image.resourceId}\u0000${layerHash}`, counts, values, response });
      }
    }
    return entries;
  }),
};

/** Each image's open findings whose vulnerability some source's details call exploited. */
export function exploitedCounts(source: AggregationSource): Map<number, number> {
  // Built once per account change, for the three types that read it.
  return derivedOnce(source.occurrences!, 'exploitedCounts', () => countExploited(source));
}

function countExploited(source: AggregationSource): Map<number, number> {
  const occurrences: Occurrences = source.occurrences!;
  const flags = Uint8Array.from(occurrences.vulnerabilityIds, (id) => (source.exploited!.has(id) ? 1 : 0));
  const out = new Map<number, number>();
  for (const { image, found } of imagesWithOccurrences(source)) {
    let n = 0;
    for (let i = 0; i < found.vulnerability.length; i++) n += flags[found.vulnerability[i]!]!;
    out.set(image.imageId, n);
  }
  return out;
}
