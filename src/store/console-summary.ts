// The overview's figures for one account, each a range of one table by the account's key: images
// with scan results, images running now and their units (image_runtime), unique vulnerabilities (the
// account's current vulnerability rollup rows) and the latest scan per scanner (image_reports).
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { RunRead } from './store-reads.ts';

export interface ConsoleSummary {
  images: number;
  runningImages: number;
  runningUnits: number;
  uniqueVulnerabilities: number;
  /** Per scanner (`source`): the time of the newest scan stored, epoch ms. */
  latestScans: { source: string; reportTime: number }[];
}

export async function consoleSummary(db: Kysely<Database>, read: RunRead, accountId: string): Promise<ConsoleSummary> {
  const [[images], [running], [vulnerabilities], scans] = await Promise.all([
    read<{ count: number }>(db.selectFrom('scanned_images').select((eb) => eb.fn.countAll<number>().as('count')).where('account_id', '=', accountId).compile()),
    read<{ images: number; units: number | null }>(db
      .selectFrom('image_runtime')
      .select((eb) => [eb.fn.countAll<number>().as('images'), eb.fn.sum<number>('running_count').as('units')])
      .where('account_id', '=', accountId)
      .where('running_count', '>', 0)
      .compile()),
    read<{ count: number }>(db
      .selectFrom('finding_rollups')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('account_id', '=', accountId)
      .where('aggregation', '=', 'vulnerabilityId')
      .where('version_to', 'is', null)
      .compile()),
    read<{ source: string; report_time: number }>(db
      .selectFrom('image_reports')
      .select(['source', (eb) => eb.fn.max('report_time').as('report_time')])
      .where('account_id', '=', accountId)
      .groupBy('source')
      .orderBy('source')
      .compile()),
  ]);
  return {
    images: Number(images?.count ?? 0),
    runningImages: Number(running?.images ?? 0),
    runningUnits: Number(running?.units ?? 0),
    uniqueVulnerabilities: Number(vulnerabilities?.count ?? 0),
    latestScans: scans.map((s) => ({ source: s.source, reportTime: Number(s.report_time) })),
  };
}
