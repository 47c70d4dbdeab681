// Scans that gave no findings: the newest per image and source, written in the ingest's transaction
// (an older one never replaces a newer), and read whole per account for the fleet (coverage).
import type { Kysely } from 'kysely';
import type { ScanFailure } from '../domain/scan-status.ts';
import { recordConsoleChange, recordSourceActivity } from './console-activity.ts';
import type { Database, ImageScanFailureRow } from './schema.ts';
import type { RunRead } from './store-reads.ts';

export type ScanFailureRow = Omit<ImageScanFailureRow, 'account_id'>;

/** Records the failures; returns how many were newer than what was recorded. */
export async function applyScanFailures(trx: Kysely<Database>, accountId: string, failures: ScanFailure[], now: number): Promise<number> {
  let applied = 0;
  for (const f of failures) {
    const row = { account_id: accountId, image_repository: f.image.repository, image_digest: f.image.digest, source: f.source, reason: f.reason, detail: f.detail, failed_at: f.at };
    const written = await trx.insertInto('image_scan_failures').values(row)
      .onConflict((oc) => oc.columns(['account_id', 'image_repository', 'image_digest', 'source'])
        .doUpdateSet({ reason: row.reason, detail: row.detail, failed_at: row.failed_at })
        .where('image_scan_failures.failed_at', '<', row.failed_at)
        // The same failure said again changes nothing, so moves no console version.
        .where((eb) => eb.or([eb('image_scan_failures.reason', '<>', row.reason), eb('image_scan_failures.detail', '<>', row.detail)])))
      .executeTakeFirst();
    applied += Number(written.numInsertedOrUpdatedRows ?? 0);
  }
  await recordSourceActivity(trx, accountId, failures.map((f) => f.source), now);
  if (applied > 0) await recordConsoleChange(trx, accountId, now);
  return applied;
}

export function scanFailures(db: Kysely<Database>, read: RunRead, accountId: string): Promise<ScanFailureRow[]> {
  return read<ScanFailureRow>(db.selectFrom('image_scan_failures').select(['image_repository', 'image_digest', 'source', 'reason', 'detail', 'failed_at']).where('account_id', '=', accountId).compile());
}
