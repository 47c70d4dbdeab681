// What one image contributes to the severity-count rollups: every distinct active finding (across
// sources, at its worst severity) counts once for the account, its vulnerability id, and the image's
// pipeline and build version when it has them.
import type { Finding } from '../ingest/findings/findings-report.ts';
import { severityRank, worstOf, type Severity } from '../ingest/findings/severity.ts';
import type { ImageFindingRow, RollupAggregation } from './schema.ts';

export interface SeverityCounts {
  all: number;
  critical: number;
  high: number;
  medium: number;
}

/** `<aggregation>\0<key>` -> counts. */
export type Contribution = Map<string, SeverityCounts>;

export const zeroCounts = (): SeverityCounts => ({ all: 0, critical: 0, high: 0, medium: 0 });

export function rollupKey(aggregation: RollupAggregation, key: string): string {
  return `${aggregation}\u0000${key}`;
}

export function splitRollupKey(rollup: string): [RollupAggregation, string] {
  const at = rollup.indexOf('\u0000');
  return [rollup.slice(0, at) as RollupAggregation, rollup.slice(at + 1)];
}

export interface ImageTags {
  accountId: string;
  imageBuildVersionArn: string | null;
  imagePipelineArn: string | null;
}

type StoredFinding = Pick<ImageFindingRow, 'vulnerability_id' | 'package_name' | 'package_version' | 'severity' | 'active'>;

/**
 * The contribution of an image whose findings are `rows` (as stored) plus `findings` (a report's,
 * already one per vulnerability, package and version).
 */
export function contributionOf(tags: ImageTags, rows: StoredFinding[], findings: Finding[]): Contribution {
  const active: { vulnerabilityId: string; severity: Severity }[] = [];
  if (rows.length === 0) {
    // One source: its findings are distinct already, so the cross-source merge can be skipped.
    for (const f of findings) if (f.active) active.push(f);
  } else {
    const effective = new Map<string, { vulnerabilityId: string; severity: Severity }>();
    const add = (vulnerabilityId: string, packageName: string, packageVersion: string, severity: Severity) => {
      const key = `${vulnerabilityId}\u0000${packageName}\u0000${packageVersion}`;
      const seen = effective.get(key);
      effective.set(key, { vulnerabilityId, severity: seen ? worstOf(seen.severity, severity) : severity });
    };
    for (const r of rows) if (r.active) add(r.vulnerability_id, r.package_name, r.package_version, r.severity as Severity);
    for (const f of findings) if (f.active) add(f.vulnerabilityId, f.packageName, f.packageVersion, f.severity);
    active.push(...effective.values());
  }
  const contribution: Contribution = new Map();
  // Every active finding counts once for its vulnerability id, and the image's totals count for its
  // account, pipeline and build version.
  const image = zeroCounts();
  for (const finding of active) {
    const key = rollupKey('vulnerabilityId', finding.vulnerabilityId);
    let counts = contribution.get(key);
    if (!counts) contribution.set(key, (counts = zeroCounts()));
    count(counts, finding.severity);
    count(image, finding.severity);
  }
  if (image.all === 0) return contribution;
  contribution.set(rollupKey('accountId', tags.accountId), image);
  if (tags.imagePipelineArn) contribution.set(rollupKey('imagePipelineArn', tags.imagePipelineArn), { ...image });
  if (tags.imageBuildVersionArn) contribution.set(rollupKey('imageBuildVersionArn', tags.imageBuildVersionArn), { ...image });
  return contribution;
}

function count(counts: SeverityCounts, severity: Severity): void {
  counts.all++;
  const rank = severityRank(severity);
  if (rank === 0) counts.critical++;
  else if (rank === 1) counts.high++;
  else if (rank === 2) counts.medium++;
}

/** Adds `sign` x `contribution` into `total`. */
export function accumulate(total: Contribution, contribution: Contribution, sign: 1 | -1): void {
  for (const [key, counts] of contribution) {
    const sum = total.get(key) ?? zeroCounts();
    sum.all += sign * counts.all;
    sum.critical += sign * counts.critical;
    sum.high += sign * counts.high;
    sum.medium += sign * counts.medium;
    total.set(key, sum);
  }
}

export function isZero(counts: SeverityCounts): boolean {
  return counts.all === 0 && counts.critical === 0 && counts.high === 0 && counts.medium === 0;
}
