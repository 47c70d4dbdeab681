// One row per scanned image with what the console lists about it (image_finding_summaries): its
// occurrences by severity, how many of them have a fix, and its distinct vulnerability ids with their
// worst severity and whether any occurrence has a fix. Written with the image's findings, in the
// ingest's transaction, from the same effective findings the rollups count (every distinct active
// occurrence across sources, at its worst severity), so the console and the AWS counts agree.
import type { Kysely } from 'kysely';
import type { Finding } from '../domain/findings.ts';
import { severities, severityRank, type Severity } from '../domain/severity.ts';
import type { Database, ImageFindingRow, ImageFindingSummaryRow } from './schema.ts';

type StoredFinding = Pick<ImageFindingRow, 'vulnerability_id' | 'package_name' | 'package_version' | 'fixed_version' | 'severity' | 'active'>;

export type ImageSummaryCounts = Omit<ImageFindingSummaryRow, 'account_id' | 'image_id' | 'revision'>;

export interface ImageSummary extends ImageSummaryCounts {
  /** `id\trank\tfixable` lines, sorted by id (see parseVulnerabilityLines). */
  vulnerabilities: string;
}

const countColumns = ['count_critical', 'count_high', 'count_medium', 'count_low', 'count_informational', 'count_untriaged'] as const;

/** The summary of an image whose findings are `rows` (as stored) plus `findings` (a report's). */
export function summariseImage(rows: StoredFinding[], findings: Finding[]): ImageSummary {
  const occurrences: Iterable<Occurrence> = rows.length === 0 ? reportOccurrences(findings) : mergedOccurrences(rows, findings);
  let all = 0;
  const byRank = [0, 0, 0, 0, 0, 0];
  const fixableByRank = [0, 0, 0, 0, 0, 0];
  const vulnerabilities = new Map<string, { rank: number; fixable: boolean }>();
  for (const o of occurrences) {
    all++;
    byRank[o.rank]++;
    if (o.fixable) fixableByRank[o.rank]++;
    const seen = vulnerabilities.get(o.vulnerabilityId);
    vulnerabilities.set(o.vulnerabilityId, seen ? { rank: Math.min(seen.rank, o.rank), fixable: seen.fixable || o.fixable } : o);
  }
  const lines = [...vulnerabilities].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, v]) => `${id}\t${v.rank}\t${v.fixable ? 1 : 0}`);
  const counts = Object.fromEntries(countColumns.map((column, rank) => [column, byRank[rank]])) as Record<(typeof countColumns)[number], number>;
  return {
    ...counts,
    count_all: all,
    fixable_all: fixableByRank.reduce((a, b) => a + b, 0),
    fixable_critical: fixableByRank[0],
    fixable_high: fixableByRank[1],
    vulnerability_count: vulnerabilities.size,
    vulnerabilities: lines.join('\n'),
  };
}

type Occurrence = { vulnerabilityId: string; rank: number; fixable: boolean };

/** One source: a report's findings are one per occurrence already, so no merge is needed. */
function* reportOccurrences(findings: Finding[]): Generator<Occurrence> {
  for (const f of findings) if (f.active) yield { vulnerabilityId: f.vulnerabilityId, rank: severityRank(f.severity), fixable: f.fixedVersion !== undefined };
}

/** Several sources: the same occurrence counts once, at its worst severity, fixable if any source names a fix. */
function mergedOccurrences(rows: StoredFinding[], findings: Finding[]): Iterable<Occurrence> {
  const occurrences = new Map<string, Occurrence>();
  const add = (vulnerabilityId: string, packageName: string, packageVersion: string, severity: Severity, fixable: boolean) => {
    const key = `${vulnerabilityId}\u0000${packageName}\u0000${packageVersion}`;
    const rank = severityRank(severity);
    const seen = occurrences.get(key);
    if (!seen) occurrences.set(key, { vulnerabilityId, rank, fixable });
    else occurrences.set(key, { vulnerabilityId, rank: Math.min(seen.rank, rank), fixable: seen.fixable || fixable });
  };
  for (const r of rows) if (r.active) add(r.vulnerability_id, r.package_name, r.package_version, r.severity as Severity, r.fixed_version !== null);
  for (const f of findings) if (f.active) add(f.vulnerabilityId, f.packageName, f.packageVersion, f.severity, f.fixedVersion !== undefined);
  return occurrences.values();
}

export interface ImageVulnerability {
  vulnerabilityId: string;
  /** CRITICAL 0 ... UNTRIAGED 5. */
  rank: number;
  fixable: boolean;
}

/** Reads the `vulnerabilities` column back. */
export function parseVulnerabilityLines(text: string): ImageVulnerability[] {
  if (text === '') return [];
  return text.split('\n').map((line) => {
    const [vulnerabilityId, rank, fixable] = line.split('\t');
    return { vulnerabilityId, rank: Number(rank), fixable: fixable === '1' };
  });
}

/** Occurrences by severity name, from a summary's columns. */
export function countsBySeverity(summary: Pick<ImageSummaryCounts, (typeof countColumns)[number]>): Record<Severity, number> {
  return Object.fromEntries(severities.map((s, rank) => [s, Number(summary[countColumns[rank]])])) as Record<Severity, number>;
}

/** Stores the image's summary and list; `revision` (the ingest's rollup version) tells readers they changed. */
export async function saveImageSummary(trx: Kysely<Database>, accountId: string, imageId: number, summary: ImageSummary, revision: number): Promise<void> {
  const { vulnerabilities, ...counts } = summary;
  const key = { account_id: accountId, image_id: imageId };
  await trx.insertInto('image_finding_summaries').values({ ...key, revision, ...counts })
    .onConflict((oc) => oc.columns(['account_id', 'image_id']).doUpdateSet({ revision, ...counts })).execute();
  await trx.insertInto('image_vulnerability_lists').values({ ...key, revision, vulnerabilities })
    .onConflict((oc) => oc.columns(['account_id', 'image_id']).doUpdateSet({ revision, vulnerabilities })).execute();
}
