// Inspector2 GetClustersForImage: the ECS and EKS clusters that run (or ran, within the retention
// window) an image, one entry per cluster, one details entry per ECS task group + task definition or
// EKS namespace. Paged by cluster ARN with a keyset cursor, so clusters appearing or changing between
// pages never cause a repeat or a skip.
import { parseResourceId } from '../../domain/images.ts';
import type { OperationContext, OperationDefinition } from '../../protocol/operation.ts';
import type { TokenBinding } from '../../protocol/pagination-token.ts';
import type { DetailsUsage } from '../../store/store.ts';
import { inspector2 } from './service.ts';

/** Used when the request has no maxResults: the model's maximum, so most images fit in one page. */
export const defaultMaxResults = 100;

export interface GetClustersForImageRequest {
  filter: { resourceId: string };
  maxResults?: number;
  nextToken?: string;
}

type ClusterMetadata =
  | { awsEcsMetadataDetails: { detailsGroup: string; taskDefinitionArn: string } }
  | { awsEksMetadataDetails: { namespace: string; workloadInfoList: { name: string; type: string }[] } };

export interface ClusterDetails {
  lastInUse: number;
  runningUnitCount: number;
  stoppedUnitCount: number;
  clusterMetadata: ClusterMetadata;
}

export interface GetClustersForImageResponse {
  cluster: { clusterArn: string; clusterDetails: ClusterDetails[] }[];
  nextToken?: string;
}

async function handle(input: GetClustersForImageRequest, context: OperationContext): Promise<GetClustersForImageResponse> {
  const binding: TokenBinding = { operation: 'GetClustersForImage', accountId: context.accountId, region: context.region, filter: input.filter };
  const afterClusterArn = input.nextToken ? context.tokens.openAs<string>(input.nextToken, binding, context.now, (p) => typeof p === 'string') : undefined;
  const image = parseResourceId(input.filter.resourceId);
  if (!image) return { cluster: [] };
  const page = await context.store.clustersForImage({
    accountId: context.accountId,
    repository: image.repository,
    digest: image.digest,
    afterClusterArn,
    limit: input.maxResults ?? defaultMaxResults,
    now: context.now,
    retentionMs: context.settings.retentionMs,
  });
  const cluster = page.clusters.map((c) => ({ clusterArn: c.clusterArn, clusterDetails: c.details.map(toClusterDetails) }));
  const last = cluster.at(-1);
  return page.more && last ? { cluster, nextToken: context.tokens.seal(binding, last.clusterArn, context.now) } : { cluster };
}

/** A details entry as GetClustersForImage sends it (the console's API reuses it). */
export function toClusterDetails(d: DetailsUsage): ClusterDetails {
  const clusterMetadata: ClusterMetadata =
    d.platform === 'ECS'
      ? { awsEcsMetadataDetails: { detailsGroup: d.detailsGroup, taskDefinitionArn: d.taskDefinitionArn ?? '' } }
      : { awsEksMetadataDetails: { namespace: d.detailsGroup, workloadInfoList: d.workloads } };
  // Timestamps go out as epoch seconds (JSON numbers), as restJson1 requires.
  return { lastInUse: d.lastInUse / 1000, runningUnitCount: d.runningUnitCount, stoppedUnitCount: d.stoppedUnitCount, clusterMetadata };
}

export const getClustersForImage: OperationDefinition<GetClustersForImageRequest, GetClustersForImageResponse> = {
  service: inspector2,
  name: 'GetClustersForImage',
  handle,
};
