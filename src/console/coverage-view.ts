// GET /api/v1/coverage and the Coverage page: the images running now without a current scan, the
// widest exposure first (most running units, then the resource id), each with the status ListCoverage
// gives it (PENDING_INITIAL_SCAN: never scanned; STALE_INVENTORY: its newest scan is older than the
// freshness window; SCAN_FAILED: its newest attempt gave no findings, with the reason and what the
// source said), the clusters running it, and the reference a person would hand a scanner. The
// list comes from the fleet; a page's images bring where they run as GetClustersForImage answers it
// (namespaces or services, and workloads).
import { pullReference } from '../domain/images.ts';
import type { ClusterUnits } from '../store/image-runtime.ts';
import { coveredEntries, scanStatusOf, type CoveredEntry } from '../services/inspector2/coverage/covered-resources.ts';
import type { ConsoleDependencies } from './console-dependencies.ts';
import { clusterArnOf, ConsoleInputError, pageSizeOf, type ConsoleRequest } from './console-request.ts';
import { csvOf } from './csv.ts';
import { clusterName, imageName } from './names.ts';
import { clustersOfImage, placeOf } from './exposure.ts';
import { listPage, type ListPage, type PagedList } from './list-page.ts';
import { derivedOnce, type Fleet } from '../read-models/fleet.ts';

export type CoverageState = 'PENDING_INITIAL_SCAN' | 'STALE_INVENTORY' | 'SCAN_FAILED';
export const coverageStates: readonly CoverageState[] = ['PENDING_INITIAL_SCAN', 'STALE_INVENTORY', 'SCAN_FAILED'];

export interface CoverageRow {
  resourceId: string;
  /** The repository's name (`shop`, `ghcr.io/org/app`). */
  repository: string;
  digest: string;
  /** The tags reports gave it (none for an image never scanned). */
  tags: string[];
  /** What to scan: `<registry>/<repository>@<digest>`. */
  reference: string;
  state: CoverageState;
  /** Epoch seconds of its newest scan; absent when never scanned. */
  lastScannedAt?: number;
  /** SCAN_FAILED: the Inspector2 reason, the source, what it said, and when (epoch seconds). */
  scanFailure?: { reason: string; source: string; detail: string; at: number };
  runningUnits: number;
  clusters: ClusterUnits[];
}

export interface CoverageView extends ListPage<CoverageRow> {
  state?: CoverageState;
  clusterArn?: string;
  /** Where each image of the page runs, as GetClustersForImage answers it (by resource id). */
  places: Map<string, { clusterArn: string; platform: 'ECS' | 'EKS'; group: string; workloads: string[] }[]>;
  /** The images of the page that run in more clusters than their places list (their own page lists them all). */
  morePlaces: Set<string>;
}

const defaultPageSize = 20;
const exportedRows = 10_000;
/** Clusters whose places a page lists per image (a popular image runs in hundreds); an export lists up to GetClustersForImage's 100. */
const clustersListed = 10;

/** Every image running now without a current scan, in no order (the list orders a page). */
function uncoveredRows(fleet: Fleet, now: number, freshnessMs: number, retentionMs: number): CoverageRow[] {
  const clustersOf = new Map([...fleet.images, ...fleet.unscanned].map((i) => [i.resourceId, i.clusters]));
  return coveredEntries(fleet).flatMap((entry: CoveredEntry): CoverageRow[] => {
    if (entry.resourceType !== 'AWS_ECR_CONTAINER_IMAGE' || entry.inUseCount === 0) return [];
    const { reason } = scanStatusOf(entry, { now, freshnessMs, retentionMs });
    if (reason === 'SUCCESSFUL' || reason === 'SCAN_ELIGIBILITY_EXPIRED') return [];
    const failure = reason === 'PENDING_INITIAL_SCAN' || reason === 'STALE_INVENTORY' ? undefined : entry.scanFailure;
    const repository = entry.resourceId.slice(0, entry.resourceId.lastIndexOf('/'));
    const digest = entry.resourceId.slice(repository.length + 1);
    return [{
      resourceId: entry.resourceId,
      repository: entry.repositoryName,
      digest,
      tags: entry.tags ?? [],
      reference: pullReference(repository, digest),
      state: failure ? 'SCAN_FAILED' : (reason as CoverageState),
      ...(entry.lastScannedAt !== undefined && { lastScannedAt: entry.lastScannedAt / 1000 }),
      ...(failure && { scanFailure: { reason: failure.reason, source: failure.source, detail: failure.detail, at: failure.at / 1000 } }),
      runningUnits: entry.inUseCount,
      clusters: clustersOf.get(entry.resourceId) ?? [],
    }];
  });
}

const coverageOrder = (r: CoverageRow) => [-r.runningUnits, r.resourceId];

export async function coverageView(request: ConsoleRequest, deps: ConsoleDependencies, exportAll = false): Promise<CoverageView> {
  const state = request.query.state?.trim() || undefined;
  if (state !== undefined && !coverageStates.includes(state as CoverageState)) throw new ConsoleInputError('state', `state must be ${coverageStates.join(', ')}, not '${state.slice(0, 100)}'`);
  const clusterArn = clusterArnOf(request.query);
  const limit = exportAll ? exportedRows : pageSizeOf(request.query, defaultPageSize);
  const fleet = await deps.fleet.read(request.accountId);
  // Rebuilt once a minute at most while the fleet stands: a scan grows stale with the clock.
  const minute = Math.floor(request.now / 60_000);
  const kept = derivedOnce(fleet, 'uncovered', () => ({ minute: -1, rows: [] as CoverageRow[] }));
  if (kept.minute !== minute) Object.assign(kept, { minute, rows: uncoveredRows(fleet, minute * 60_000, deps.scanFreshnessMs, deps.retentionMs) });
  const all = kept.rows;
  const rows = all.filter((r) => (state === undefined || r.state === state) && (clusterArn === undefined || r.clusters.some((c) => c.clusterArn === clusterArn)));
  const list: PagedList<CoverageRow> = { view: 'coverage', filter: { state, clusterArn }, sortKey: coverageOrder, keyShape: ['number', 'string'] };
  const page = listPage(request, deps.cursors, rows, list, limit, exportAll);
  const morePlaces = new Set<string>();
  const places = new Map(await Promise.all(page.rows.map(async (row) => {
    const image = { repository: row.resourceId.slice(0, row.resourceId.lastIndexOf('/')), digest: row.digest };
    const { clusters, more } = await clustersOfImage(deps.store, image, { accountId: request.accountId, now: request.now, retentionMs: deps.retentionMs }, exportAll ? undefined : clustersListed);
    if (more) morePlaces.add(row.resourceId);
    const where = clusters.flatMap((c) => c.clusterDetails.filter((d) => d.runningUnitCount > 0).map((d) => {
      const place = placeOf(d);
      return { clusterArn: c.clusterArn, platform: place.platform, group: place.group, workloads: place.workloads.map((w) => `${w.type}/${w.name}`) };
    }));
    return [row.resourceId, where] as const;
  })));
  return { ...page, state: state as CoverageState | undefined, clusterArn, places, morePlaces };
}

export function coverageJson(view: CoverageView) {
  return {
    total: view.total,
    items: view.rows.map((r) => ({ ...r, places: view.places.get(r.resourceId) ?? [], ...(view.morePlaces.has(r.resourceId) && { morePlaces: true }) })),
    ...(view.nextCursor && { nextCursor: view.nextCursor }),
  };
}

/** One row per image and place it runs (an image with none known: one row). */
export function coverageCsv(view: CoverageView): string {
  const rows = view.rows.flatMap((r) => {
    const image = [imageName(r.repository, r.digest, r.tags), r.repository, r.tags.join(' '), r.digest, r.reference, r.state, r.scanFailure ? `${r.scanFailure.source}: ${r.scanFailure.reason}: ${r.scanFailure.detail}` : '', r.lastScannedAt === undefined ? '' : new Date(r.lastScannedAt * 1000).toISOString(), r.runningUnits];
    const places = view.places.get(r.resourceId) ?? [];
    return places.length === 0 ? [[...image, '', '', '', '', r.resourceId]] : places.map((p) => [...image, clusterName(p.clusterArn), p.platform, p.group, p.workloads.join(' '), r.resourceId]);
  });
  return csvOf(['image', 'repository', 'tags', 'digest', 'reference', 'state', 'scanFailure', 'lastScannedAt', 'runningUnits', 'cluster', 'platform', 'namespaceOrGroup', 'workloads', 'resourceId'], rows);
}
