// What every ingest leaves for the console besides its data: when each source last fed the account
// (source_activity); and, when it changed what the console lists, the account's console version
// (console_versions: a reader holding what it read at that version need not read again) and today's
// snapshot of the account's occurrences by severity, for all images and for those running now
// (severity_snapshots, one row per UTC day, the day's last ingest wins), from which the overview draws
// its 90-day trend. All are small writes in the ingest's transaction; the snapshot sums one summary
// row per image.
import { sql, type Kysely } from 'kysely';
import { severities } from '../domain/severity.ts';
import type { Database, SeveritySnapshotRow } from './schema.ts';

export async function recordSourceActivity(trx: Kysely<Database>, accountId: string, sources: Iterable<string>, now: number): Promise<void> {
  const rows = [...new Set(sources)].map((source) => ({ account_id: accountId, source, last_ingest_at: now }));
  if (rows.length === 0) return;
  await trx.insertInto('source_activity').values(rows)
    .onConflict((oc) => oc.columns(['account_id', 'source']).doUpdateSet((eb) => ({ last_ingest_at: eb.ref('excluded.last_ingest_at') })))
    .execute();
}

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const lower = severities.map((s) => s.toLowerCase());

/** The ingest changed image summaries, tags or runtime: a new console version and today's snapshot. */
export async function recordConsoleChange(trx: Kysely<Database>, accountId: string, now: number): Promise<void> {
  await trx.insertInto('console_versions').values({ account_id: accountId, version: 1 })
    .onConflict((oc) => oc.column('account_id').doUpdateSet((eb) => ({ version: eb('console_versions.version', '+', 1) })))
    .execute();
  await recordSeveritySnapshot(trx, accountId, now);
}

async function recordSeveritySnapshot(trx: Kysely<Database>, accountId: string, now: number): Promise<void> {
  const sums = lower.flatMap((s) => [
    sql<number>`coalesce(sum(${sql.ref(`s.count_${s}`)}), 0)`.as(`all_${s}`),
    sql<number>`coalesce(sum(case when r.running_count > 0 then ${sql.ref(`s.count_${s}`)} else 0 end), 0)`.as(`running_${s}`),
  ]);
  const totals = await trx
    .selectFrom('image_finding_summaries as s')
    .innerJoin('scanned_images as si', (join) => join.onRef('si.account_id', '=', 's.account_id').onRef('si.image_id', '=', 's.image_id'))
    .leftJoin('image_runtime as r', (join) => join.onRef('r.account_id', '=', 'si.account_id').onRef('r.image_repository', '=', 'si.image_repository').onRef('r.image_digest', '=', 'si.image_digest'))
    .select(sums)
    .where('s.account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  const counts = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, Number(v)])) as Omit<SeveritySnapshotRow, 'account_id' | 'day'>;
  await trx.insertInto('severity_snapshots').values({ account_id: accountId, day: utcDay(now), ...counts })
    .onConflict((oc) => oc.columns(['account_id', 'day']).doUpdateSet(counts))
    .execute();
}
