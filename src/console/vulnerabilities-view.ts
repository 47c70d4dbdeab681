// GET /api/v1/vulnerabilities and the Vulnerabilities page: one row per vulnerability id with its worst
// severity, whether a fix exists, the images carrying it, those running now, their running units and
// the clusters running them. Summed over the account's per-image vulnerability lists (fleet.ts):
// running only by default, then by severity, fixable only and text; ordered by running units, then
// severity, then images, then id.
import { csvOf } from './csv.ts';
import { severities, type Severity } from '../domain/severity.ts';
import type { ConsoleDependencies } from './console-dependencies.ts';
import { ConsoleInputError, flagOf, pageSizeOf, type ConsoleRequest } from './console-request.ts';
import { derivedOnce, type Fleet } from '../read-models/fleet.ts';
import { listPage, type ListPage, type PagedList } from './list-page.ts';

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

/**
 * The figures of every vulnerability id the lists intern, by its index: sums over the account's
 * images in typed arrays (one pass over every image's list), so that filtering and ordering never
 * build an object per vulnerability; only a page's rows become objects.
 */
export class VulnerabilityTable {
  readonly images: Int32Array;
  readonly runningImages: Int32Array;
  readonly runningUnits: Float64Array;
  /** Worst severity rank; 255 where no image carries it. */
  readonly rank: Uint8Array;
  readonly fixable: Uint8Array;

  constructor(readonly fleet: Fleet) {
    const n = fleet.vulnerabilityIds.length;
    const images = (this.images = new Int32Array(n));
    const runningImages = (this.runningImages = new Int32Array(n));
    const runningUnits = (this.runningUnits = new Float64Array(n));
    const rank = (this.rank = new Uint8Array(n).fill(255));
    const fixable = (this.fixable = new Uint8Array(n));
    for (const image of fleet.images) {
      const { index, rank: ranks, fixable: fixes } = image.vulnerabilities;
      const units = image.runningUnits;
      for (let i = 0; i < index.length; i++) {
        const v = index[i]!;
        images[v]!++;
        if (ranks[i]! < rank[v]!) rank[v] = ranks[i]!;
        fixable[v]! |= fixes[i]!;
      }
      if (units === 0) continue;
      for (let i = 0; i < index.length; i++) {
        const v = index[i]!;
        runningImages[v]!++;
        runningUnits[v]! += units;
      }
    }
  }

  /** Indexes of the ids some image carries that pass the filter. */
  matching(filter: VulnerabilityFilter): number[] {
    const ranks = new Set(filter.severities.map((s) => severities.indexOf(s)));
    const text = filter.text.toLowerCase();
    const out: number[] = [];
    for (let v = 0; v < this.images.length; v++) {
      if (this.images[v] === 0) continue;
      if (filter.runningOnly && this.runningUnits[v] === 0) continue;
      if (ranks.size > 0 && !ranks.has(this.rank[v]!)) continue;
      if (filter.fixableOnly && this.fixable[v] === 0) continue;
      if (text !== '' && !this.fleet.vulnerabilityIds[v]!.toLowerCase().includes(text)) continue;
      out.push(v);
    }
    return out;
  }

  /** Running units first, then the worst severity, then the most images, then the id. */
  readonly compare = (a: number, b: number): number => {
    const ids = this.fleet.vulnerabilityIds;
    return this.runningUnits[b]! - this.runningUnits[a]! || this.rank[a]! - this.rank[b]! || this.images[b]! - this.images[a]! || (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0);
  };

  /** The same order as a cursor's key. */
  readonly sortKey = (v: number) => [-this.runningUnits[v]!, this.rank[v]!, -this.images[v]!, this.fleet.vulnerabilityIds[v]!];

  row(v: number): VulnerabilityRow {
    return {
      vulnerabilityId: this.fleet.vulnerabilityIds[v]!,
      severity: severities[this.rank[v]!]!,
      fixable: this.fixable[v] === 1,
      images: this.images[v]!,
      runningImages: this.runningImages[v]!,
      runningUnits: this.runningUnits[v]!,
      clusters: 0,
    };
  }
}

export const vulnerabilityTable = (fleet: Fleet) => derivedOnce(fleet, 'vulnerabilities', (f) => new VulnerabilityTable(f));

/**
 * Fills in `clusters` for these rows (the vulnerabilities at these indexes): the distinct clusters of
 * the running images carrying each. Each
 * running image's clusters become a bit set, and each row ORs the sets of its images, so an export of
 * every row costs one pass over the lists, whatever the number of clusters.
 */
export function countClusters(fleet: Fleet, rows: VulnerabilityRow[], indexes: number[]): void {
  const words = Math.ceil(fleet.clusterArns.length / 32);
  if (words === 0 || rows.length === 0) return;
  const slot = new Int32Array(fleet.vulnerabilityIds.length).fill(-1);
  indexes.forEach((v, i) => (slot[v] = i));
  const sets = new Uint32Array(rows.length * words);
  const imageSet = new Uint32Array(words);
  for (const image of fleet.images) {
    if (image.runningUnits === 0 || image.clusterIndexes.length === 0) continue;
    imageSet.fill(0);
    for (const bit of image.clusterIndexes) imageSet[bit >>> 5]! |= 1 << (bit & 31);
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

export async function vulnerabilitiesView(request: ConsoleRequest, deps: ConsoleDependencies, exportAll = false): Promise<VulnerabilitiesView> {
  const filter = vulnerabilityFilterOf(request.query);
  const limit = exportAll ? exportedRows : pageSizeOf(request.query, defaultPageSize);
  const table = vulnerabilityTable(await deps.fleet.read(request.accountId));
  const list: PagedList<number> = { view: 'vulnerabilities', filter, sortKey: table.sortKey, compare: table.compare, keyShape: ['number', 'number', 'number', 'string'] };
  const page = listPage(request, deps.cursors, table.matching(filter), list, limit, exportAll);
  const rows = page.rows.map((v) => table.row(v));
  countClusters(table.fleet, rows, page.rows);
  return { ...page, rows, filter };
}

export function vulnerabilitiesJson(view: VulnerabilitiesView) {
  return { total: view.total, items: view.rows, ...(view.nextCursor && { nextCursor: view.nextCursor }) };
}

export function vulnerabilitiesCsv(view: VulnerabilitiesView): string {
  const columns = ['vulnerabilityId', 'severity', 'fixable', 'images', 'runningImages', 'runningUnits', 'clusters'] as const;
  return csvOf(columns, view.rows.map((r) => columns.map((c) => r[c])));
}
