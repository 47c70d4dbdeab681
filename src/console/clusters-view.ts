// GET /api/v1/clusters and the Clusters page: each cluster running images now, with its platform, its
// running units and the images it runs with their worst severity (an image running without a scan
// counts as not scanned). Worst first: the worst severity among its images, then the most images with
// critical findings, then the most running units, then the ARN. `clusterArn` narrows it to one
// cluster with every image; otherwise each cluster lists its worst few. Read from the per-image
// rollups (fleet.ts): each image's row names the clusters running it and its units there.
import { csvOf } from './csv.ts';
import { clusterName, imageNameOf } from './names.ts';
import { severities } from '../domain/severity.ts';
import type { ConsoleDependencies } from './console-dependencies.ts';
import { clusterArnOf, pageSizeOf, type ConsoleRequest } from './console-request.ts';
import { derivedOnce, type Fleet } from '../read-models/fleet.ts';
import { listPage, type ListPage, type PagedList } from './list-page.ts';

export interface ClusterImage {
  resourceId: string;
  /** The tags reports gave it (none for an image with no scan). */
  tags: string[];
  runningUnits: number;
  /** Absent for an image with no scan. */
  worstSeverity?: string;
  critical: number;
}

export interface ClusterRow {
  clusterArn: string;
  platform: 'ECS' | 'EKS';
  runningUnits: number;
  /** Images running in the cluster, worst first. */
  images: ClusterImage[];
  imagesWithCritical: number;
  unscannedImages: number;
  /** Rank of the worst severity among its images (6 when none has findings). */
  worstRank: number;
}

export interface ClustersView extends ListPage<ClusterRow> {
  clusterArn?: string;
  /** Images listed per cluster on this page (all of them for one cluster). */
  imagesShown: number;
}

const defaultPageSize = 20;
const imagesPerCluster = 10;
const exportedRows = 100_000;
const noFindings = severities.length;

export function clusterRows(fleet: Fleet): ClusterRow[] {
  const byArn = new Map<string, ClusterRow>();
  const add = (clusterArn: string, platform: 'ECS' | 'EKS', image: ClusterImage, worstRank: number) => {
    let row = byArn.get(clusterArn);
    if (!row) byArn.set(clusterArn, (row = { clusterArn, platform, runningUnits: 0, images: [], imagesWithCritical: 0, unscannedImages: 0, worstRank: noFindings }));
    row.runningUnits += image.runningUnits;
    row.images.push(image);
    if (image.critical > 0) row.imagesWithCritical++;
    if (image.worstSeverity === undefined) row.unscannedImages++;
    row.worstRank = Math.min(row.worstRank, worstRank);
  };
  for (const image of fleet.images) {
    for (const c of image.clusters) {
      add(c.clusterArn, c.platform, { resourceId: image.resourceId, tags: image.tags, runningUnits: c.runningUnits, worstSeverity: severities[image.worstRank] ?? 'NONE', critical: image.counts.CRITICAL }, image.worstRank);
    }
  }
  for (const image of fleet.unscanned) for (const c of image.clusters) add(c.clusterArn, c.platform, { resourceId: image.resourceId, tags: [], runningUnits: c.runningUnits, critical: 0 }, noFindings);
  const rank = (i: ClusterImage) => (i.worstSeverity === undefined ? noFindings + 1 : i.worstSeverity === 'NONE' ? noFindings : severities.indexOf(i.worstSeverity as never));
  for (const row of byArn.values()) row.images.sort((a, b) => rank(a) - rank(b) || b.critical - a.critical || b.runningUnits - a.runningUnits || (a.resourceId < b.resourceId ? -1 : 1));
  return [...byArn.values()];
}

export const clusterOrder = (c: ClusterRow) => [c.worstRank, -c.imagesWithCritical, -c.runningUnits, c.clusterArn];

export async function clustersView(request: ConsoleRequest, deps: ConsoleDependencies, exportAll = false): Promise<ClustersView> {
  const clusterArn = clusterArnOf(request.query);
  const limit = exportAll ? exportedRows : pageSizeOf(request.query, defaultPageSize);
  const fleet = await deps.fleet.read(request.accountId);
  const rows = derivedOnce(fleet, 'clusters', clusterRows).filter((c) => clusterArn === undefined || c.clusterArn === clusterArn);
  const list: PagedList<ClusterRow> = { view: 'clusters', filter: { clusterArn }, sortKey: clusterOrder, keyShape: ['number', 'number', 'number', 'string'] };
  const page = listPage(request, deps.cursors, rows, list, limit, exportAll);
  return { ...page, clusterArn, imagesShown: clusterArn !== undefined || exportAll ? Number.MAX_SAFE_INTEGER : imagesPerCluster };
}

export function clustersJson(view: ClustersView) {
  return {
    total: view.total,
    items: view.rows.map(({ worstRank, images, ...c }) => ({ ...c, worstSeverity: severities[worstRank] ?? 'NONE', imageCount: images.length, images: images.slice(0, view.imagesShown).map(({ tags: _tags, ...i }) => i) })),
    ...(view.nextCursor && { nextCursor: view.nextCursor }),
  };
}

/** One row per cluster and image running there. */
export function clustersCsv(view: ClustersView): string {
  const rows = view.rows.flatMap((c) => c.images.map((i) => [clusterName(c.clusterArn), c.platform, imageNameOf(i.resourceId, i.tags), i.worstSeverity ?? 'NOT_SCANNED', i.critical, i.runningUnits, c.clusterArn, i.resourceId]));
  return csvOf(['cluster', 'platform', 'image', 'worstSeverity', 'critical', 'runningUnits', 'clusterArn', 'resourceId'], rows);
}
