// GET /api/v1/images and the Images page: each scanned image worst first, with its occurrences by
// severity, how many have a fix, its running units and clusters, last use, pipeline and build version.
// GET /api/v1/images/{resourceId} and the image's page add its findings (paged, worst first) and where
// it runs, as GetClustersForImage answers. Both read the per-image rollups (fleet.ts) and, for one
// image, its own findings.
import { csvOf } from './csv.ts';
import { severities, type Severity } from '../domain/severity.ts';
import { parseResourceId } from '../domain/images.ts';
import type { ClusterDetails } from '../services/inspector2/get-clusters-for-image.ts';
import { clustersOfImage } from './exposure.ts';
import { imageName } from './names.ts';
import type { ConsoleDependencies } from './console-dependencies.ts';
import { ConsoleInputError, ConsoleNotFound, flagOf, pageSizeOf, type ConsoleRequest } from './console-request.ts';
import type { FleetImage } from '../read-models/fleet.ts';
import type { ConsoleFindingRow } from '../store/store.ts';
import { listPage, type ListPage, type PagedList } from './list-page.ts';

export interface ImageFilter {
  runningOnly: boolean;
  /** Case-insensitive part of the repository or digest. */
  text: string;
}

export interface ImagesView extends ListPage<FleetImage> {
  filter: ImageFilter;
}

const defaultPageSize = 50;
const exportedRows = 100_000;
const findingsPageSize = 100;

/** Most critical first, then high, medium, all occurrences, then most running units, then the oldest image. */
export const imageOrder = (i: FleetImage) => [-i.counts.CRITICAL, -i.counts.HIGH, -i.counts.MEDIUM, -i.all, -i.runningUnits, i.imageId];
export const compareImages = (a: FleetImage, b: FleetImage) =>
  b.counts.CRITICAL - a.counts.CRITICAL || b.counts.HIGH - a.counts.HIGH || b.counts.MEDIUM - a.counts.MEDIUM || b.all - a.all || b.runningUnits - a.runningUnits || a.imageId - b.imageId;

function imageFilterOf(query: ConsoleRequest['query']): ImageFilter {
  const text = (query.q ?? '').trim();
  if (text.length > 256) throw new ConsoleInputError('q', 'q must be at most 256 characters');
  return { runningOnly: flagOf(query, 'running', false), text };
}

function matchingImages(images: FleetImage[], filter: ImageFilter): FleetImage[] {
  const text = filter.text.toLowerCase();
  return images.filter((i) => (!filter.runningOnly || i.runningUnits > 0) && (text === '' || i.repository.toLowerCase().includes(text) || i.digest.includes(text)));
}

export async function imagesView(request: ConsoleRequest, deps: ConsoleDependencies, exportAll = false): Promise<ImagesView> {
  const filter = imageFilterOf(request.query);
  const limit = exportAll ? exportedRows : pageSizeOf(request.query, defaultPageSize);
  const fleet = await deps.fleet.read(request.accountId);
  const list: PagedList<FleetImage> = { view: 'images', filter, sortKey: imageOrder, compare: compareImages, keyShape: ['number', 'number', 'number', 'number', 'number', 'number'] };
  return { ...listPage(request, deps.cursors, matchingImages(fleet.images, filter), list, limit, exportAll), filter };
}

/** An image as the API lists it. */
export function imageJson(i: FleetImage) {
  return {
    resourceId: i.resourceId,
    repository: i.repository,
    digest: i.digest,
    tags: i.tags,
    ...(i.imagePipelineArn && { imagePipelineArn: i.imagePipelineArn }),
    ...(i.imageBuildVersionArn && { imageBuildVersionArn: i.imageBuildVersionArn }),
    severityCounts: {
      all: i.all, critical: i.counts.CRITICAL, high: i.counts.HIGH, medium: i.counts.MEDIUM, low: i.counts.LOW, informational: i.counts.INFORMATIONAL, untriaged: i.counts.UNTRIAGED,
    },
    fixableCounts: i.fixable,
    uniqueVulnerabilities: i.uniqueVulnerabilities,
    worstSeverity: severities[i.worstRank] ?? 'NONE',
    runningUnits: i.runningUnits,
    clusters: i.clusters.length,
    ...(i.lastInUse > 0 && { lastInUse: i.lastInUse / 1000 }),
  };
}

export function imagesJson(view: ImagesView) {
  return { total: view.total, items: view.rows.map(imageJson), ...(view.nextCursor && { nextCursor: view.nextCursor }) };
}

export function imagesCsv(view: ImagesView): string {
  const columns = ['image', 'resourceId', 'tags', 'imagePipelineArn', 'imageBuildVersionArn', 'all', ...severities.map((s) => s.toLowerCase()), 'fixable', 'fixableCritical', 'uniqueVulnerabilities', 'runningUnits', 'clusters', 'lastInUse'];
  const rows = view.rows.map((i) => [
    imageName(i.repository, i.digest, i.tags), i.resourceId, i.tags.join('; '), i.imagePipelineArn ?? '', i.imageBuildVersionArn ?? '', i.all, ...severities.map((s) => i.counts[s]), i.fixable.all, i.fixable.critical,
    i.uniqueVulnerabilities, i.runningUnits, i.clusters.length, i.lastInUse > 0 ? new Date(i.lastInUse).toISOString() : '',
  ]);
  return csvOf(columns, rows);
}

/** One occurrence in an image: a vulnerability in a package version, as every scanner that found it reports it. */
export interface ImageFinding {
  vulnerabilityId: string;
  severity: Severity;
  packageName: string;
  installedVersion: string;
  fixedVersion?: string;
  sources: string[];
}

export interface ImageDetailView {
  image: FleetImage;
  findings: ListPage<ImageFinding>;
  clusters: { clusterArn: string; clusterDetails: ClusterDetails[] }[];
  /** It runs in more clusters than GetClustersForImage's one page lists. */
  moreClusters: boolean;
}

export async function imageDetailView(request: ConsoleRequest, deps: ConsoleDependencies, exportAll = false): Promise<ImageDetailView> {
  // The rest of the path: a resource id holds slashes, encoded (%2F) or not.
  const resourceId = request.params['*'] ?? '';
  const key = parseResourceId(resourceId);
  if (!key?.digest) throw new ConsoleInputError('resourceId', `'${resourceId.slice(0, 300)}' is not an image resource id (arn:aws:ecr:<region>:<account>:repository/<name>/sha256:<digest>)`);
  const fleet = await deps.fleet.read(request.accountId);
  const image = fleet.images.find((i) => i.repository === key.repository && i.digest === key.digest);
  if (!image) throw new ConsoleNotFound(`No scanned image ${resourceId} in this account.`);
  const [rows, { clusters, more }] = await Promise.all([
    deps.store.imageFindings(request.accountId, image),
    clustersOfImage(deps.store, image, { accountId: request.accountId, now: request.now, retentionMs: deps.retentionMs }),
  ]);
  const list: PagedList<ImageFinding> = {
    view: 'image-findings',
    filter: { resourceId },
    sortKey: (f) => [severities.indexOf(f.severity), f.vulnerabilityId, f.packageName, f.installedVersion],
    keyShape: ['number', 'string', 'string', 'string'],
  };
  const findings = listPage(request, deps.cursors, occurrences(rows), list, exportAll ? Number.MAX_SAFE_INTEGER : pageSizeOf(request.query, findingsPageSize), exportAll);
  return { image, findings, clusters, moreClusters: more };
}

/** The image's findings with the sources that list each. */
function occurrences(rows: ConsoleFindingRow[]): ImageFinding[] {
  return rows.map((r) => ({
    vulnerabilityId: r.vulnerability_id,
    severity: r.severity as Severity,
    packageName: r.package_name,
    installedVersion: r.package_version,
    ...(r.fixed_version && { fixedVersion: r.fixed_version }),
    sources: r.sources.split(','),
  }));
}

export function imageDetailJson(view: ImageDetailView) {
  return {
    ...imageJson(view.image),
    findings: view.findings.rows,
    ...(view.findings.nextCursor && { nextCursor: view.findings.nextCursor }),
    clusters: view.clusters,
    ...(view.moreClusters && { moreClusters: true }),
  };
}

export function imageFindingsCsv(view: ImageDetailView): string {
  const columns = ['image', 'resourceId', 'vulnerabilityId', 'severity', 'packageName', 'installedVersion', 'fixedVersion', 'sources'];
  const name = imageName(view.image.repository, view.image.digest, view.image.tags);
  return csvOf(columns, view.findings.rows.map((f) => [name, view.image.resourceId, f.vulnerabilityId, f.severity, f.packageName, f.installedVersion, f.fixedVersion ?? '', f.sources.join('; ')]));
}
