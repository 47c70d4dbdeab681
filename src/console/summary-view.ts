// GET /api/v1/summary and the overview, from one read: the account's findings by severity (its
// rollup row, as ListImageScanFindingAggregations gives it without a filter), images, images running
// now and their units, unique vulnerabilities, and the newest scan per scanner.
import type { ConsoleRequest } from './console-request.ts';
import type { ConsoleDependencies } from './exposure-view.ts';
import type { SeverityCounts } from './severity-chart.ts';

export interface SummaryView {
  findings: SeverityCounts;
  images: number;
  runningImages: number;
  runningUnits: number;
  uniqueVulnerabilities: number;
  /** Epoch seconds, newest scan stored per scanner. */
  latestScans: { source: string; reportTime: number }[];
}

export async function summaryView(request: ConsoleRequest, deps: ConsoleDependencies): Promise<SummaryView> {
  const [{ rows }, summary] = await Promise.all([
    deps.store.aggregationPage({ accountId: request.accountId, aggregation: 'accountId', keys: [request.accountId], limit: 1 }),
    deps.store.consoleSummary(request.accountId),
  ]);
  const { all, critical, high, medium } = rows[0] ?? { all: 0, critical: 0, high: 0, medium: 0 };
  return { ...summary, findings: { all, critical, high, medium }, latestScans: summary.latestScans.map((s) => ({ source: s.source, reportTime: s.reportTime / 1000 })) };
}
