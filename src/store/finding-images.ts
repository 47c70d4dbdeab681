// A findings listing's view of the account's images: what Inspector2 says about an image resource
// (its account, region, registry, repository name, tags), its runtime use, and the head of its
// findings' ARNs. Criteria about images are matched here, once per image, never per finding.
import type { Kysely } from 'kysely';
import { FindingIds } from '../domain/finding-ids.ts';
import { inRanges, matchesText, type FindingCondition } from '../domain/finding-criteria.ts';
import { repositoryParts, resourceIdOf } from '../domain/images.ts';
import { PerAccount } from '../domain/per-account.ts';
import type { Database } from './schema.ts';
import type { RunRead } from './store-reads.ts';

export interface ListedImage {
  imageId: number;
  repository: string;
  digest: string;
  resourceId: string;
  partition: string;
  region: string;
  /** The account that owns the image (its repository's). */
  accountId: string;
  /** ECR's registry id: the repository's account. */
  registry: string;
  repositoryName: string;
  tags: string[];
  layers: string[];
  /** The Image Builder pipeline and build version it was tagged with at ingest. */
  imagePipelineArn?: string;
  imageBuildVersionArn?: string;
  ids: FindingIds;
  /** `arn:<partition>:inspector2:<region>:<account>:finding/`: its findings' ARNs are this and their id. */
  arnHead: string;
  inUseCount: number;
  lastInUseAt?: number;
}

/** Every scanned image of the account (or those of `imageIds`), with its runtime use. */
export async function listedImages(db: Kysely<Database>, read: RunRead, accountId: string, imageIds?: number[]): Promise<Map<number, ListedImage>> {
  if (imageIds?.length === 0) return new Map();
  const rows = await read<{ image_id: number; image_repository: string; image_digest: string; image_tags: string; layer_hashes: string; image_pipeline_arn: string | null; image_build_version_arn: string | null; running_count: number | null; last_in_use: number | null }>(db
    .selectFrom('scanned_images as i')
    .leftJoin('image_runtime as r', (join) => join.onRef('r.account_id', '=', 'i.account_id').onRef('r.image_repository', '=', 'i.image_repository').onRef('r.image_digest', '=', 'i.image_digest'))
    .select(['i.image_id', 'i.image_repository', 'i.image_digest', 'i.image_tags', 'i.layer_hashes', 'i.image_pipeline_arn', 'i.image_build_version_arn', 'r.running_count', 'r.last_in_use'])
    .where('i.account_id', '=', accountId)
    .$if(imageIds !== undefined, (qb) => qb.where('i.image_id', 'in', imageIds!))
    .compile());
  const images = new Map<number, ListedImage>();
  for (const r of rows) {
    const { partition, region, accountId: account, name } = repositoryParts(r.image_repository);
    const key = { repository: r.image_repository, digest: r.image_digest };
    images.set(Number(r.image_id), {
      imageId: Number(r.image_id),
      ...key,
      resourceId: resourceIdOf(key),
      partition,
      region,
      accountId: account,
      registry: account,
      repositoryName: name,
      tags: r.image_tags ? r.image_tags.split(',') : [],
      layers: r.layer_hashes ? r.layer_hashes.split(',') : [],
      ...(r.image_pipeline_arn !== null && { imagePipelineArn: r.image_pipeline_arn }),
      ...(r.image_build_version_arn !== null && { imageBuildVersionArn: r.image_build_version_arn }),
      ids: new FindingIds(key),
      arnHead: `arn:${partition}:inspector2:${region}:${account}:finding/`,
      inUseCount: Number(r.running_count ?? 0),
      ...(r.last_in_use !== null && { lastInUseAt: Number(r.last_in_use) }),
    });
  }
  return images;
}

/**
 * Every scanned image of an account as a listing sees it, kept while the account's console version
 * (moved by every ingest that changes images, their tags or their runtime use) stands: a filtered
 * listing matches image criteria against all of them on every page, and at 10,000 images reading and
 * building them was most of a page's time. The version is read before the rows, so a commit in
 * between leaves a newer version than the one kept and the next page reads again.
 */
export class ListedImagesCache {
  private readonly kept = new PerAccount<{ version?: number; images?: Map<number, ListedImage> }>(() => ({}));

  async all(db: Kysely<Database>, read: RunRead, accountId: string): Promise<Map<number, ListedImage>> {
    const [row] = await read<{ version: number }>(db.selectFrom('console_versions').select('version').where('account_id', '=', accountId).compile());
    const version = Number(row?.version ?? 0);
    const kept = this.kept.get(accountId);
    if (kept.version !== version || !kept.images) Object.assign(kept, { version, images: await listedImages(db, read, accountId) });
    return kept.images!;
  }
}

/** Whether the image passes a condition about images; undefined when the condition is not about images. */
export function imageMatches(image: ListedImage, condition: FindingCondition): boolean | undefined {
  if ('text' in condition) {
    const value = {
      awsAccountId: image.accountId,
      resourceType: 'AWS_ECR_CONTAINER_IMAGE',
      findingType: 'PACKAGE_VULNERABILITY',
      resourceId: image.resourceId,
      ecrImageRegistry: image.registry,
      ecrImageRepositoryName: image.repositoryName,
      ecrImageTags: image.tags,
      ecrImageHash: image.digest,
      // Reports name no architecture: only NOT_EQUALS entries pass.
      ecrImageArchitecture: undefined,
      imagePipelineArn: image.imagePipelineArn,
      imageBuildVersionArn: image.imageBuildVersionArn,
    }[condition.field as string];
    const about = ['awsAccountId', 'resourceType', 'findingType', 'resourceId', 'ecrImageRegistry', 'ecrImageRepositoryName', 'ecrImageTags', 'ecrImageHash', 'ecrImageArchitecture', 'imagePipelineArn', 'imageBuildVersionArn'].includes(condition.field);
    return about ? matchesText(value as string | string[] | undefined, condition.text) : undefined;
  }
  if ('range' in condition) {
    if (condition.field === 'ecrImageInUseCount') return inRanges(image.inUseCount, condition.range);
    if (condition.field === 'ecrImageLastInUseAt') return inRanges(image.lastInUseAt, condition.range);
    // No report says when an image was pushed.
    if (condition.field === 'ecrImagePushedAt') return false;
  }
  return undefined;
}
