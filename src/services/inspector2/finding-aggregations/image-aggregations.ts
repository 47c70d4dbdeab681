// The aggregations of whole images, read from the fleet's image summaries: AWS_ECR_CONTAINER (with
// how many tasks and pods run the image now, and when it last ran), its cloud-neutral twin
// CONTAINER_IMAGE, and REPOSITORY. An image with no open finding is in none of them, as no finding of
// it is listed.
import { repositoryParts, type RepositoryParts } from '../../../domain/images.ts';
import type { FleetImage } from '../../../read-models/fleet.ts';
import { imageCounts, rankCounts, seconds, severityCounts, sortingEntries, type AggregationEntry, type AggregationKind, type AggregationSource } from './aggregation-entries.ts';
import { exploitedCounts } from './occurrence-aggregations.ts';

const countsOf = (image: FleetImage) => severityCounts(imageCounts(image.counts));

/** The image's values as the image filters name them, and the response members every image type shares. */
function imageFacts(image: FleetImage, parts: RepositoryParts) {
  const lastInUseAt = image.lastInUse > 0 ? image.lastInUse : undefined;
  return {
    values: {
      resourceIds: image.resourceId,
      imageShas: image.digest,
      imageDigests: image.digest,
      repositories: parts.name,
      registries: parts.accountId,
      // Reports name no architecture: only NOT_EQUALS entries pass.
      architectures: undefined,
      imageTags: image.tags,
      cloudProviders: 'AWS',
      cloudPartitions: parts.partition,
      cloudRegions: parts.region,
      cloudAccountIds: parts.accountId,
      cloudOrgIds: undefined,
      lastInUseAt,
      inUseCount: image.runningUnits,
    },
    shared: {
      resourceId: image.resourceId,
      repository: parts.name,
      imageTags: image.tags,
      accountId: parts.accountId,
      severityCounts: countsOf(image),
      ...(lastInUseAt !== undefined && { lastInUseAt: seconds(lastInUseAt) }),
      inUseCount: image.runningUnits,
    },
  };
}

const withFindings = (source: AggregationSource) => source.fleet.images.filter((i) => i.all > 0);

export const awsEcrContainer: AggregationKind = {
  member: 'awsEcrContainerAggregation',
  countsOccurrences: false,
  filters: { resourceIds: 'text', imageShas: 'text', repositories: 'text', architectures: 'text', imageTags: 'text', lastInUseAt: 'date', inUseCount: 'number' },
  sorted: sortingEntries((source) => withFindings(source).map((image) => {
    const { values, shared } = imageFacts(image, repositoryParts(image.repository));
    const { resourceId, repository, imageTags, accountId, severityCounts: counts, ...use } = shared;
    return { key: image.resourceId, counts, values, response: { resourceId, imageSha: image.digest, repository, imageTags, accountId, severityCounts: counts, ...use } };
  })),
};

export const containerImage: AggregationKind = {
  member: 'containerImageAggregation',
  countsOccurrences: true,
  filters: {
    resourceIds: 'text', imageDigests: 'text', repositories: 'text', registries: 'text', architectures: 'text', imageTags: 'text',
    cloudProviders: 'text', cloudPartitions: 'text', cloudRegions: 'text', cloudOrgIds: 'text', cloudAccountIds: 'text', lastInUseAt: 'date', inUseCount: 'number',
  },
  sorted: sortingEntries((source) => {
    const exploited = exploitedCounts(source);
    return withFindings(source).map((image) => {
      const parts = repositoryParts(image.repository);
      const { values, shared } = imageFacts(image, parts);
      const response = {
        ...shared,
        cloudProvider: 'AWS',
        cloudAccountId: parts.accountId,
        cloudPartition: parts.partition,
        cloudRegion: parts.region,
        imageDigest: image.digest,
        registry: parts.accountId,
        exploitAvailableActiveFindingsCount: exploited.get(image.imageId) ?? 0,
        fixAvailableActiveFindingsCount: image.fixable.all,
      };
      return { key: image.resourceId, counts: shared.severityCounts, values, response };
    });
  }),
};

export const repository: AggregationKind = {
  member: 'repositoryAggregation',
  countsOccurrences: false,
  filters: { repositories: 'text' },
  sorted: sortingEntries((source) => {
    const byRepository = new Map<string, { parts: RepositoryParts; ranks: Float64Array; images: number }>();
    for (const image of withFindings(source)) {
      let group = byRepository.get(image.repository);
      if (!group) byRepository.set(image.repository, (group = { parts: repositoryParts(image.repository), ranks: rankCounts(), images: 0 }));
      imageCounts(image.counts).forEach((n, rank) => (group.ranks[rank] += n));
      group.images++;
    }
    return [...byRepository].map(([arn, { parts, ranks, images }]): AggregationEntry => {
      const counts = severityCounts(ranks);
      const response = { repository: parts.name, accountId: parts.accountId, cloudProvider: 'AWS', cloudPartition: parts.partition, cloudRegion: parts.region, cloudAccountId: parts.accountId, severityCounts: counts, affectedImages: images };
      return { key: arn, counts, affectedImages: images, values: { repositories: parts.name }, response };
    });
  }),
};
