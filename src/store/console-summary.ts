// The newest scan stored per scanner, for the console's overview: one range of image_reports by the
// account's key. (The overview's other figures come from the per-image rollups the lists read.)
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { RunRead } from './store-reads.ts';

export interface LatestScan {
  source: string;
  /** Epoch ms. */
  reportTime: number;
}

export async function latestScans(db: Kysely<Database>, read: RunRead, accountId: string): Promise<LatestScan[]> {
  const scans = await read<{ source: string; report_time: number }>(db
    .selectFrom('image_reports')
    .select(['source', (eb) => eb.fn.max('report_time').as('report_time')])
    .where('account_id', '=', accountId)
    .groupBy('source')
    .orderBy('source')
    .compile());
  return scans.map((s) => ({ source: s.source, reportTime: Number(s.report_time) }));
}
