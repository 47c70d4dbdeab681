// "This CVE -> the images that carry it -> where they run": one page of a vulnerability's exposure.
// The images that carry it and how they run come from the per-image rollups (fleet.ts), running first
// (most running units, then most recent use); the images of a page bring their packages with
// installed and fixed versions (an index range of the vulnerability's findings), their stops of the
// last day, and their clusters exactly as GetClustersForImage answers them.
import { resourceIdOf } from '../domain/images.ts';
import { toClusterDetails, type ClusterDetails } from '../services/inspector2/get-clusters-for-image.ts';
import type { ExposedPackage, Store } from '../store/store.ts';
import type { Fleet, FleetImage } from '../read-models/fleet.ts';
import { worstOf, type Severity } from '../domain/severity.ts';

/** An image that carries the vulnerability, and how it is used (linked digests' use included). */
export interface ExposedImage {
  imageId: number;
  repository: string;
  digest: string;
  imagePipelineArn?: string;
  imageBuildVersionArn?: string;
  /** The tags reports gave it. */
  tags: string[];
  runningUnits: number;
  /** Units stopped in the last 24 hours. */
  stoppedUnits: number;
  /** Epoch ms; 0 when never seen running. */
  lastInUse: number;
}

export type ExposedImageKey = Pick<ExposedImage, 'runningUnits' | 'lastInUse' | 'imageId'>;

/** Running units first, then the most recently used, then the oldest image: the order pages follow. */
export function exposureOrder(a: ExposedImageKey, b: ExposedImageKey): number {
  return b.runningUnits - a.runningUnits || b.lastInUse - a.lastInUse || a.imageId - b.imageId;
}

export interface ExposureRequest {
  accountId: string;
  vulnerabilityId: string;
  /** Only images with running units now. */
  runningOnly: boolean;
  /** Continue after this image's place in the order. */
  after?: ExposedImageKey;
  limit: number;
  /** Cluster entries listed per image (the rest are on the image's page). */
  clustersPerImage: number;
  now: number;
  retentionMs: number;
}

/** An exposed image as the console answers it: the store's figures, its resource id, packages and clusters. */
export interface ExposureImage extends Omit<ExposedImage, 'imageId' | 'lastInUse'> {
  resourceId: string;
  /** Epoch seconds, as GetClustersForImage gives times; absent when never seen running. */
  lastInUse?: number;
  packages: ExposedPackage[];
  /** The GetClustersForImage `cluster` entries of the image (the first ones by ARN; see moreClusters). */
  clusters: { clusterArn: string; clusterDetails: ClusterDetails[] }[];
  /** More clusters run it than are listed here. */
  moreClusters?: true;
}

export interface ExposureSummary {
  /**
   * The worst severity the findings give it where that is CRITICAL, HIGH or MEDIUM (what the rollups
   * count); else the worst severity of the packages listed, if any.
   */
  severity?: string;
  /** Occurrences: (image, package, installed version) with an active finding of it. */
  occurrences: number;
  images: number;
  runningImages: number;
  runningUnits: number;
}

export interface ExposureAnswer {
  vulnerabilityId: string;
  summary: ExposureSummary;
  images: ExposureImage[];
  /** Where the next page starts; absent on the last page. */
  next?: ExposedImageKey;
}

/** Where a GetClustersForImage details entry is, whichever platform: what the page and the CSV show. */
export function placeOf(details: ClusterDetails): { platform: 'ECS' | 'EKS'; group: string; taskDefinitionArn?: string; workloads: { name: string; type: string }[] } {
  const m = details.clusterMetadata;
  return 'awsEcsMetadataDetails' in m
    ? { platform: 'ECS', group: m.awsEcsMetadataDetails.detailsGroup, taskDefinitionArn: m.awsEcsMetadataDetails.taskDefinitionArn, workloads: [] }
    : { platform: 'EKS', group: m.awsEksMetadataDetails.namespace, workloads: m.awsEksMetadataDetails.workloadInfoList };
}

/** Clusters listed for one image at most: GetClustersForImage's own maximum page. */
export const maxClustersPerImage = 100;

/**
 * GetClustersForImage's entries for an image and the digests linked to it (a platform manifest of its
 * index): one list, entries of the same cluster joined.
 */
export async function clustersOfImage(store: Store, image: { repository: string; digest: string; linkedDigests?: string[] }, request: { accountId: string; now: number; retentionMs: number }, limit = maxClustersPerImage): Promise<ImageClusters> {
  const pages = await Promise.all([image.digest, ...(image.linkedDigests ?? [])].map((digest) =>
    store.clustersForImage({ accountId: request.accountId, repository: image.repository, digest, limit, now: request.now, retentionMs: request.retentionMs })));
  const byArn = new Map<string, ClusterDetails[]>();
  for (const page of pages) for (const c of page.clusters) byArn.set(c.clusterArn, [...(byArn.get(c.clusterArn) ?? []), ...c.details.map(toClusterDetails)]);
  const clusters = [...byArn].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([clusterArn, clusterDetails]) => ({ clusterArn, clusterDetails }));
  return { clusters: clusters.slice(0, limit), more: clusters.length > limit || pages.some((p) => p.more) };
}

export interface ImageClusters {
  /** GetClustersForImage's `cluster` entries, by cluster ARN. */
  clusters: { clusterArn: string; clusterDetails: ClusterDetails[] }[];
  /** More clusters follow (the image's page, or GetClustersForImage, lists them all). */
  more: boolean;
}

const dayMs = 24 * 60 * 60 * 1000;

/** The images whose vulnerability lists (the per-image rollups) name it: one pass over typed arrays. */
function imagesCarrying(fleet: Fleet, vulnerabilityId: string): FleetImage[] {
  const v = fleet.vulnerabilityIndex.get(vulnerabilityId);
  return v === undefined ? [] : fleet.images.filter((image) => image.vulnerabilities.index.includes(v));
}

export async function vulnerabilityExposure(store: Store, fleet: Fleet, request: ExposureRequest): Promise<ExposureAnswer> {
  const rollup = await store.aggregationPage({ accountId: request.accountId, aggregation: 'vulnerabilityId', keys: [request.vulnerabilityId], limit: 1 });
  const carriers = imagesCarrying(fleet, request.vulnerabilityId).sort(exposureOrder);
  const listed = carriers.filter((image) => (!request.runningOnly || image.runningUnits > 0) && (!request.after || exposureOrder(request.after, image) < 0));
  const page = listed.slice(0, request.limit);
  const digestsOf = (image: FleetImage) => [image.digest, ...image.linkedDigests].map((digest) => ({ repository: image.repository, digest }));
  const stops = await store.stoppedUnits(request.accountId, page.flatMap(digestsOf), request.now - dayMs);
  const packages = await store.exposurePackages(request, page.map((image) => image.imageId));
  const clusters = await Promise.all(page.map((image) => clustersOfImage(store, image, request, request.clustersPerImage)));
  const pagePackages = [...packages.values()].flat();
  const counts = rollup.rows[0];
  const running = carriers.filter((image) => image.runningUnits > 0);
  const summary: ExposureSummary = {
    severity: counts?.critical ? 'CRITICAL' : counts?.high ? 'HIGH' : counts?.medium ? 'MEDIUM' : pagePackages.map((p) => p.severity as Severity).reduce<Severity | undefined>((w, s) => (w ? worstOf(w, s) : s), undefined),
    occurrences: counts?.all ?? 0,
    images: carriers.length,
    runningImages: running.length,
    runningUnits: running.reduce((n, image) => n + image.runningUnits, 0),
  };
  const answer: ExposureAnswer = {
    vulnerabilityId: request.vulnerabilityId,
    summary,
    images: page.map((image, i) => ({
      resourceId: image.resourceId,
      repository: image.repository,
      digest: image.digest,
      ...(image.imagePipelineArn && { imagePipelineArn: image.imagePipelineArn }),
      ...(image.imageBuildVersionArn && { imageBuildVersionArn: image.imageBuildVersionArn }),
      tags: image.tags,
      runningUnits: image.runningUnits,
      stoppedUnits: digestsOf(image).reduce((n, d) => n + (stops.get(`${d.repository}\u0000${d.digest}`) ?? 0), 0),
      lastInUse: image.lastInUse ? image.lastInUse / 1000 : undefined,
      packages: packages.get(image.imageId) ?? [],
      clusters: clusters[i]!.clusters,
      ...(clusters[i]!.more && { moreClusters: true }),
    })),
  };
  const last = page.at(-1);
  if (listed.length > page.length && last) answer.next = { runningUnits: last.runningUnits, lastInUse: last.lastInUse, imageId: last.imageId };
  return answer;
}
