// What the store holds, counted across every account for the server's metrics: findings by severity
// and whether their image runs now, unique vulnerabilities by their worst severity, running units by
// platform, and images. A periodic snapshot reads these (never a scrape), on the reads connection.
// Each read is bounded by rollups: the findings totals come from each account's rollup row, those of
// running images from one summary row per running image (image_finding_summaries, image_runtime), and
// the rest is the difference; unique vulnerabilities read every current vulnerability rollup row once.
// Severities below medium are counted together as `OTHER`, as the rollups count them.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { RunRead } from './store-reads.ts';

export interface DomainCounts {
  findings: { severity: string; running: boolean; count: number }[];
  uniqueVulnerabilities: { severity: string; count: number }[];
  runningUnits: { platform: string; count: number }[];
  images: number;
  /** Images running now by their newest scan: at or after `currentSince`, before it, or none. */
  runningImagesByScan: { current: number; stale: number; neverScanned: number };
}

export async function domainCounts(db: Kysely<Database>, read: RunRead, currentSince: number): Promise<DomainCounts> {
  const [runningTotals] = await read<{ all: number | null; critical: number | null; high: number | null; medium: number | null }>(db
    .selectFrom('image_runtime as r')
    .innerJoin('scanned_images as i', (join) => join.onRef('i.account_id', '=', 'r.account_id').onRef('i.image_repository', '=', 'r.image_repository').onRef('i.image_digest', '=', 'r.image_digest'))
    .innerJoin('image_finding_summaries as s', (join) => join.onRef('s.account_id', '=', 'i.account_id').onRef('s.image_id', '=', 'i.image_id'))
    .select((eb) => [eb.fn.sum<number>('s.count_all').as('all'), eb.fn.sum<number>('s.count_critical').as('critical'), eb.fn.sum<number>('s.count_high').as('high'), eb.fn.sum<number>('s.count_medium').as('medium')])
    .where('r.running_count', '>', 0)
    .compile());
  const [totals] = await read<{ all: number | null; critical: number | null; high: number | null; medium: number | null }>(db
    // Account by account, each account's own row by primary key.
    .selectFrom('rollup_versions as v')
    .innerJoin('finding_rollups as r', (join) => join.onRef('r.account_id', '=', 'v.account_id').on('r.aggregation', '=', 'accountId').onRef('r.aggregation_key', '=', 'v.account_id'))
    .select((eb) => [eb.fn.sum<number>('r.count_all').as('all'), eb.fn.sum<number>('r.count_critical').as('critical'), eb.fn.sum<number>('r.count_high').as('high'), eb.fn.sum<number>('r.count_medium').as('medium')])
    .where('r.version_to', 'is', null)
    .compile());
  const total: Record<string, number> = { CRITICAL: Number(totals?.critical ?? 0), HIGH: Number(totals?.high ?? 0), MEDIUM: Number(totals?.medium ?? 0) };
  total.OTHER = Number(totals?.all ?? 0) - total.CRITICAL! - total.HIGH! - total.MEDIUM!;
  const running = new Map<string, number>([['CRITICAL', Number(runningTotals?.critical ?? 0)], ['HIGH', Number(runningTotals?.high ?? 0)], ['MEDIUM', Number(runningTotals?.medium ?? 0)]]);
  running.set('OTHER', Number(runningTotals?.all ?? 0) - running.get('CRITICAL')! - running.get('HIGH')! - running.get('MEDIUM')!);
  const findings = Object.entries(total).flatMap(([severity, count]) => [
    { severity, running: true, count: running.get(severity) ?? 0 },
    { severity, running: false, count: count - (running.get(severity) ?? 0) },
  ]);
  const worst = sql<string>`case when count_critical > 0 then 'CRITICAL' when count_high > 0 then 'HIGH' when count_medium > 0 then 'MEDIUM' else 'OTHER' end`;
  const vulnerabilities = await read<{ severity: string; count: number }>(db
    .selectFrom('finding_rollups')
    .select([worst.as('severity'), (eb) => eb.fn.count<number>('aggregation_key').distinct().as('count')])
    .where('aggregation', '=', 'vulnerabilityId')
    .where('version_to', 'is', null)
    .groupBy('severity')
    .compile());
  const units = await read<{ platform: string; count: number }>(db.selectFrom('runtime_units').select(['platform', (eb) => eb.fn.countAll<number>().as('count')]).where('state', '=', 'RUNNING').groupBy('platform').compile());
  const [images] = await read<{ count: number }>(db.selectFrom('scanned_images').select((eb) => eb.fn.countAll<number>().as('count')).compile());
  return {
    runningImagesByScan: await runningImagesByScan(db, read, currentSince),
    findings,
    uniqueVulnerabilities: vulnerabilities.map((r) => ({ severity: r.severity, count: Number(r.count) })),
    runningUnits: units.map((r) => ({ platform: r.platform, count: Number(r.count) })),
    images: Number(images?.count ?? 0),
  };
}

/**
 * Running images by their newest report (image_reports), one row per running image: a digest a
 * report links to a scanned image (a platform manifest of its index) counts as that image, as the
 * console and coverage count it.
 */
async function runningImagesByScan(db: Kysely<Database>, read: RunRead, currentSince: number): Promise<DomainCounts['runningImagesByScan']> {
  const state = sql<string>`case when max(p.report_time) is null then 'neverScanned' when max(p.report_time) >= ${currentSince} then 'current' else 'stale' end`;
  const rows = await read<{ state: string }>(db
    .selectFrom('image_runtime as r')
    .leftJoin('image_digest_links as l', (join) => join.onRef('l.account_id', '=', 'r.account_id').onRef('l.image_repository', '=', 'r.image_repository').onRef('l.linked_digest', '=', 'r.image_digest'))
    .leftJoin('scanned_images as i', (join) => join.onRef('i.account_id', '=', 'r.account_id').onRef('i.image_repository', '=', 'r.image_repository')
      .on((eb) => eb('i.image_digest', '=', eb.fn.coalesce('l.image_digest', 'r.image_digest'))))
    .leftJoin('image_reports as p', (join) => join.onRef('p.account_id', '=', 'i.account_id').onRef('p.image_id', '=', 'i.image_id'))
    .select(state.as('state'))
    .where('r.running_count', '>', 0)
    .groupBy(['r.account_id', 'r.image_repository', 'r.image_digest'])
    .compile());
  const out = { current: 0, stale: 0, neverScanned: 0 };
  for (const row of rows) out[row.state as keyof typeof out]++;
  return out;
}
