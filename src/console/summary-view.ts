// GET /api/v1/summary and the overview, from the rollups: the account's findings by severity (its
// rollup row, as ListImageScanFindingAggregations gives it without a filter), images and what runs
// now, occurrences by all six severities for all images and for running ones, running images with
// critical findings, fixable criticals, unique vulnerabilities (all and on running images), the five
// vulnerabilities with the most running units and the five worst running images, when each source
// last fed data and the newest scan per scanner, the 90-day trend from the daily snapshots, and how
// many running images have a current scan.
import { severities, type Severity } from '../domain/severity.ts';
import { utcDay } from '../store/console-activity.ts';
import type { SeveritySnapshotRow } from '../store/store.ts';
import type { ConsoleDependencies } from './console-dependencies.ts';
import type { ConsoleRequest } from './console-request.ts';
import { compareImages, imageJson } from './images-view.ts';
import type { SeverityCounts } from './severity-chart.ts';
import { countClusters, vulnerabilityTable, type VulnerabilityRow } from './vulnerabilities-view.ts';
import { firstRows } from './list-page.ts';
import { runningCoverage, type RunningCoverage } from '../services/inspector2/coverage/covered-resources.ts';

export type SixCounts = Record<Lowercase<Severity> | 'all', number>;

export interface TrendDay {
  day: string;
  all: SixCounts;
  running: SixCounts;
}

export interface SummaryView {
  findings: SeverityCounts;
  severityCounts: { all: SixCounts; running: SixCounts };
  images: number;
  runningImages: number;
  runningUnits: number;
  runningImagesWithCritical: number;
  /** Critical occurrences with a fixed version named: on every image, and on running ones. */
  fixableCritical: { all: number; running: number };
  uniqueVulnerabilities: number;
  uniqueVulnerabilitiesRunning: number;
  topVulnerabilities: VulnerabilityRow[];
  topImages: ReturnType<typeof imageJson>[];
  /** Epoch seconds: when each source (scanner, ECS, Kubernetes) last fed the account. */
  sources: { source: string; lastIngestAt: number }[];
  /** Epoch seconds, newest scan stored per scanner. */
  latestScans: { source: string; reportTime: number }[];
  /** One entry per day from the first snapshot within the last 90 days to today (a day without an ingest carries the previous one). */
  trend: TrendDay[];
  /** Running images by the state of their scan (the Coverage page lists the stale and the never scanned). */
  coverage: RunningCoverage;
}

const dayMs = 24 * 60 * 60 * 1000;
export const trendDays = 90;
const topCount = 5;

const zeroSix = (): SixCounts => ({ all: 0, critical: 0, high: 0, medium: 0, low: 0, informational: 0, untriaged: 0 });

export async function summaryView(request: ConsoleRequest, deps: ConsoleDependencies): Promise<SummaryView> {
  const from = utcDay(request.now - (trendDays - 1) * dayMs);
  const [{ rows }, scans, fleet, snapshots, sources] = await Promise.all([
    deps.store.aggregationPage({ accountId: request.accountId, aggregation: 'accountId', keys: [request.accountId], limit: 1 }),
    deps.store.latestScans(request.accountId),
    deps.fleet.read(request.accountId),
    deps.store.severitySnapshots(request.accountId, from),
    deps.store.sourceActivity(request.accountId),
  ]);
  const { all, critical, high, medium } = rows[0] ?? { all: 0, critical: 0, high: 0, medium: 0 };
  const severityCounts = { all: zeroSix(), running: zeroSix() };
  const fixableCritical = { all: 0, running: 0 };
  let runningImagesWithCritical = 0;
  for (const image of fleet.images) {
    const scopes = image.runningUnits > 0 ? [severityCounts.all, severityCounts.running] : [severityCounts.all];
    for (const scope of scopes) {
      scope.all += image.all;
      for (const s of severities) scope[lower(s)] += image.counts[s];
    }
    fixableCritical.all += image.fixable.critical;
    if (image.runningUnits > 0) {
      fixableCritical.running += image.fixable.critical;
      if (image.counts.CRITICAL > 0) runningImagesWithCritical++;
    }
  }
  const table = vulnerabilityTable(fleet);
  const running = table.matching({ runningOnly: true, severities: [], fixableOnly: false, text: '' });
  const top = firstRows(running, table.compare, topCount);
  const topVulnerabilities = top.map((v) => table.row(v));
  countClusters(fleet, topVulnerabilities, top);
  // Running images: the scanned ones and those running without a scan, a linked digest's use counted with its image.
  const runningImages = [...fleet.images, ...fleet.unscanned].filter((i) => i.runningUnits > 0);
  return {
    images: fleet.images.length,
    runningImages: runningImages.length,
    runningUnits: runningImages.reduce((n, i) => n + i.runningUnits, 0),
    uniqueVulnerabilities: table.matching({ runningOnly: false, severities: [], fixableOnly: false, text: '' }).length,
    findings: { all, critical, high, medium },
    severityCounts,
    runningImagesWithCritical,
    fixableCritical,
    uniqueVulnerabilitiesRunning: running.length,
    topVulnerabilities,
    topImages: firstRows(fleet.images.filter((i) => i.runningUnits > 0), compareImages, topCount).map(imageJson),
    sources: sources.map((s) => ({ source: s.source, lastIngestAt: Number(s.last_ingest_at) / 1000 })),
    latestScans: scans.map((s) => ({ source: s.source, reportTime: s.reportTime / 1000 })),
    trend: trendOf(snapshots, from, utcDay(request.now)),
    coverage: runningCoverage(fleet, { now: request.now, freshnessMs: deps.scanFreshnessMs, retentionMs: deps.retentionMs }),
  };
}

const lower = (s: Severity) => s.toLowerCase() as Lowercase<Severity>;

function trendOf(snapshots: SeveritySnapshotRow[], from: string, today: string): TrendDay[] {
  if (snapshots.length === 0) return [];
  const byDay = new Map(snapshots.map((s) => [s.day, s]));
  const out: TrendDay[] = [];
  let last: TrendDay | undefined;
  for (let t = Date.parse(`${snapshots[0]!.day < from ? from : snapshots[0]!.day}T00:00:00Z`); utcDay(t) <= today; t += dayMs) {
    const day = utcDay(t);
    const snapshot = byDay.get(day);
    if (snapshot) last = { day, all: scope(snapshot, 'all'), running: scope(snapshot, 'running') };
    if (last) out.push({ ...last, day });
  }
  return out;
}

function scope(row: SeveritySnapshotRow, prefix: 'all' | 'running'): SixCounts {
  const counts = zeroSix();
  for (const s of severities) {
    counts[lower(s)] = Number(row[`${prefix}_${lower(s)}` as keyof SeveritySnapshotRow]);
    counts.all += counts[lower(s)];
  }
  return counts;
}
