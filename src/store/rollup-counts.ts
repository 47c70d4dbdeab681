// What one image contributes to the severity-count rollups: every active finding (one per occurrence,
// at the worst severity its sources give) counts once for the account, its vulnerability id, and the image's
// pipeline and build version when it has them.
import { severityRank, type Severity } from '../domain/severity.ts';
import type { FindingRow, RollupAggregation } from './schema.ts';

export interface SeverityCounts {
  all: number;
  critical: number;
  high: number;
  medium: number;
}

export const zeroCounts = (): SeverityCounts => ({ all: 0, critical: 0, high: 0, medium: 0 });

/**
 * Counts by aggregation, then key. Two levels, not one composite key: a report's vulnerability ids
 * are looked up as the strings they are (their hashes cached), not as new strings built per finding.
 */
export class Contribution {
  readonly byAggregation = new Map<RollupAggregation, Map<string, SeverityCounts>>();

  get(aggregation: RollupAggregation, key: string): SeverityCounts | undefined {
    return this.byAggregation.get(aggregation)?.get(key);
  }

  /** The counts of the key, created at zero. */
  counts(aggregation: RollupAggregation, key: string): SeverityCounts {
    let keys = this.byAggregation.get(aggregation);
    if (!keys) this.byAggregation.set(aggregation, (keys = new Map()));
    let counts = keys.get(key);
    if (!counts) keys.set(key, (counts = zeroCounts()));
    return counts;
  }

  *entries(): Generator<[RollupAggregation, string, SeverityCounts]> {
    for (const [aggregation, keys] of this.byAggregation) for (const [key, counts] of keys) yield [aggregation, key, counts];
  }
}

export interface ImageTags {
  accountId: string;
  imageBuildVersionArn: string | null;
  imagePipelineArn: string | null;
}

/** A finding as the counts see it: one per occurrence, active or not. */
export type CountedFinding = Pick<FindingRow, 'vulnerability_id' | 'active'> & { severity: string };

/**
 * Adds `sign` x the contribution of an image whose findings are `rows` into `total`: straight into
 * it, since an ingest of many reports sums thousands of these.
 */
export function addContribution(total: Contribution, tags: ImageTags, rows: CountedFinding[], sign: 1 | -1): void {
  // Every active finding counts once for its vulnerability id, and the image's totals count for its
  // account, pipeline and build version.
  const image = zeroCounts();
  for (const finding of rows) {
    if (finding.active !== 1) continue;
    const severity = finding.severity as Severity;
    count(total.counts('vulnerabilityId', finding.vulnerability_id), severity, sign);
    count(image, severity, 1);
  }
  if (image.all === 0) return;
  const keys: [RollupAggregation, string][] = [['accountId', tags.accountId]];
  if (tags.imagePipelineArn) keys.push(['imagePipelineArn', tags.imagePipelineArn]);
  if (tags.imageBuildVersionArn) keys.push(['imageBuildVersionArn', tags.imageBuildVersionArn]);
  for (const [aggregation, key] of keys) {
    const sum = total.counts(aggregation, key);
    sum.all += sign * image.all;
    sum.critical += sign * image.critical;
    sum.high += sign * image.high;
    sum.medium += sign * image.medium;
  }
}

function count(counts: SeverityCounts, severity: Severity, sign: 1 | -1): void {
  counts.all += sign;
  const rank = severityRank(severity);
  if (rank === 0) counts.critical += sign;
  else if (rank === 1) counts.high += sign;
  else if (rank === 2) counts.medium += sign;
}

export function isZero(counts: SeverityCounts): boolean {
  return counts.all === 0 && counts.critical === 0 && counts.high === 0 && counts.medium === 0;
}
