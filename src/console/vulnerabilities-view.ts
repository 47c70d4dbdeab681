// GET /api/v1/vulnerabilities and the Vulnerabilities page: one row per vulnerability id with its worst
// severity, whether a fix exists, the images carrying it, those running now, their running units and
// the clusters running them. Summed over the account's per-image vulnerability lists (fleet.ts):
// running only by default, then by severity, fixable only and text; ordered by running units, then
// severity, then images, then id.
import { stringify } from 'csv-stringify/sync';
import { severities, type Severity } from '../ingest/findings/severity.ts';
import type { ConsoleDependencies } from './console-dependencies.ts';
import { ConsoleInputError, flagOf, pageSizeOf, type ConsoleRequest } from './console-request.ts';
import type { Fleet } from './fleet.ts';
import { listPage, sortRows, type ListPage, type PagedList } from './list-page.ts';

export interface VulnerabilityRow {
  vulnerabilityId: string;
  severity: Severity;
  fixable: boolean;
  images: number;
  runningImages: number;
  runningUnits: number;
  /** Distinct clusters running an image that carries it (filled for the rows of a page). */
  clusters: number;
}

export interface VulnerabilityFilter {
  runningOnly: boolean;
  /** Only these severities; empty: every one. */
  severities: Severity[];
  fixableOnly: boolean;
  /** Case-insensitive part of the id. */
  text: string;
}

export interface VulnerabilitiesView extends ListPage<VulnerabilityRow> {
  filter: VulnerabilityFilter;
}

const defaultPageSize = 50;
const exportedRows = 100_000;

/** Every vulnerability id some image carries, with its figures (clusters left at 0). */
export function vulnerabilityRows(fleet: Fleet): VulnerabilityRow[] {
  const n = fleet.vulnerabilityIds.length;
  const images = new Int32Array(n);
  const runningImages = new Int32Array(n);
  const runningUnits = new Float64Array(n);
  const rank = new Uint8Array(n).fill(255);
  const fixable = new Uint8Array(n);
  for (const image of fleet.images) {
    const { index, rank: ranks, fixable: fixes } = image.vulnerabilities;
    const running = image.runningUnits > 0;
    for (let i = 0; i < index.length; i++) {
      const v = index[i]!;
      images[v]!++;
      if (ranks[i]! < rank[v]!) rank[v] = ranks[i]!;
      fixable[v]! |= fixes[i]!;
      if (running) {
        runningImages[v]!++;
        runningUnits[v]! += image.runningUnits;
      }
    }
  }
  const rows: VulnerabilityRow[] = [];
  for (let v = 0; v < n; v++) {
    if (images[v] === 0) continue;
    rows.push({ vulnerabilityId: fleet.vulnerabilityIds[v]!, severity: severities[rank[v]!]!, fixable: fixable[v] === 1, images: images[v]!, runningImages: runningImages[v]!, runningUnits: runningUnits[v]!, clusters: 0 });
  }
  return rows;
}

/** Running units first, then the worst severity, then the most images, then the id. */
export const vulnerabilityOrder = (row: VulnerabilityRow) => [-row.runningUnits, severities.indexOf(row.severity), -row.images, row.vulnerabilityId];

/**
 * Fills in `clusters` for these rows: the distinct clusters of the running images carrying each. Each
 * running image's clusters become a bit set, and each row ORs the sets of its images, so an export of
 * every row costs one pass over the lists, whatever the number of clusters.
 */
export function countClusters(fleet: Fleet, rows: VulnerabilityRow[]): void {
  const clusterIndex = new Map<string, number>();
  for (const image of fleet.images) if (image.runningUnits > 0) for (const c of image.clusters) if (!clusterIndex.has(c.clusterArn)) clusterIndex.set(c.clusterArn, clusterIndex.size);
  const words = Math.ceil(clusterIndex.size / 32);
  if (words === 0) return;
  const idIndex = new Map(fleet.vulnerabilityIds.map((id, v) => [id, v]));
  const slot = new Int32Array(fleet.vulnerabilityIds.length).fill(-1);
  rows.forEach((row, i) => (slot[idIndex.get(row.vulnerabilityId)!] = i));
  const sets = new Uint32Array(rows.length * words);
  const imageSet = new Uint32Array(words);
  for (const image of fleet.images) {
    if (image.runningUnits === 0 || image.clusters.length === 0) continue;
    imageSet.fill(0);
    for (const c of image.clusters) {
      const bit = clusterIndex.get(c.clusterArn)!;
      imageSet[bit >>> 5]! |= 1 << (bit & 31);
    }
    for (const v of image.vulnerabilities.index) {
      const i = slot[v]!;
      if (i < 0) continue;
      for (let w = 0; w < words; w++) sets[i * words + w]! |= imageSet[w]!;
    }
  }
  rows.forEach((row, i) => {
    let count = 0;
    for (let w = 0; w < words; w++) count += bitCount(sets[i * words + w]!);
    row.clusters = count;
  });
}

function bitCount(n: number): number {
  n = n - ((n >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function vulnerabilityFilterOf(query: ConsoleRequest['query']): VulnerabilityFilter {
  const severityList = (query.severity ?? '').split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
  for (const s of severityList) if (!(severities as readonly string[]).includes(s)) throw new ConsoleInputError('severity', `severity must be one or more of ${severities.join(', ')} (comma-separated), not '${s.slice(0, 40)}'`);
  const text = (query.q ?? '').trim();
  if (text.length > 128) throw new ConsoleInputError('q', 'q must be at most 128 characters');
  return { runningOnly: flagOf(query, 'running', true), severities: severityList as Severity[], fixableOnly: flagOf(query, 'fixable', false), text };
}

export function matchesFilter(row: VulnerabilityRow, filter: VulnerabilityFilter): boolean {
  return (!filter.runningOnly || row.runningUnits > 0)
    && (filter.severities.length === 0 || filter.severities.includes(row.severity))
    && (!filter.fixableOnly || row.fixable)
    && (filter.text === '' || row.vulnerabilityId.toLowerCase().includes(filter.text.toLowerCase()));
}

export async function vulnerabilitiesView(request: ConsoleRequest, deps: ConsoleDependencies, exportAll = false): Promise<VulnerabilitiesView> {
  const filter = vulnerabilityFilterOf(request.query);
  const limit = exportAll ? exportedRows : pageSizeOf(request.query, defaultPageSize);
  const fleet = await deps.fleet.read(request.accountId);
  const list: PagedList<VulnerabilityRow> = { view: 'vulnerabilities', filter, sortKey: vulnerabilityOrder, keyShape: ['number', 'number', 'number', 'string'] };
  const sorted = sortRows(vulnerabilityRows(fleet).filter((row) => matchesFilter(row, filter)), list);
  const page = listPage(request, deps.cursors, sorted, list, limit, exportAll);
  countClusters(fleet, page.rows);
  return { ...page, filter };
}

export function vulnerabilitiesJson(view: VulnerabilitiesView) {
  return { total: view.total, items: view.rows, ...(view.nextCursor && { nextCursor: view.nextCursor }) };
}

export function vulnerabilitiesCsv(view: VulnerabilitiesView): string {
  const columns = ['vulnerabilityId', 'severity', 'fixable', 'images', 'runningImages', 'runningUnits', 'clusters'] as const;
  return stringify(view.rows.map((r) => columns.map((c) => r[c])), { header: true, columns: [...columns], cast: { boolean: String } });
}
