// One row per scanned image with what the console lists about it (image_finding_summaries): its
// active findings by severity, how many of them have a fix, and its distinct vulnerability ids with
// their worst severity and whether any finding has a fix. Written with the image's findings, in the
// ingest's transaction, from the same findings the rollups count, so the console and the AWS counts
// agree.
import type { Kysely } from 'kysely';
import { severities, severityRank, type Severity } from '../domain/severity.ts';
import type { Database, FindingRow, ImageFindingSummaryRow } from './schema.ts';

type SummarisedFinding = Pick<FindingRow, 'vulnerability_id' | 'fixed_version' | 'active'> & { severity: string };

export type ImageSummaryCounts = Omit<ImageFindingSummaryRow, 'account_id' | 'image_id' | 'revision'>;

export interface ImageSummary extends ImageSummaryCounts {
  /** `id\trank\tfixable` lines, sorted by id (see parseVulnerabilityLines). */
  vulnerabilities: string;
}

const countColumns = ['count_critical', 'count_high', 'count_medium', 'count_low', 'count_informational', 'count_untriaged'] as const;

/** The summary of an image whose findings (one per occurrence) are `rows`; closed ones do not count. */
export function summariseImage(rows: SummarisedFinding[]): ImageSummary {
  let all = 0;
  const byRank = [0, 0, 0, 0, 0, 0];
  const fixableByRank = [0, 0, 0, 0, 0, 0];
  const vulnerabilities = new Map<string, { rank: number; fixable: boolean }>();
  for (const r of rows) {
    if (r.active !== 1) continue;
    const rank = severityRank(r.severity as Severity);
    const fixable = r.fixed_version !== null;
    all++;
    byRank[rank]++;
    if (fixable) fixableByRank[rank]++;
    const seen = vulnerabilities.get(r.vulnerability_id);
    vulnerabilities.set(r.vulnerability_id, seen ? { rank: Math.min(seen.rank, rank), fixable: seen.fixable || fixable } : { rank, fixable });
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
