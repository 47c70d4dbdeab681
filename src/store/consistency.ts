// Verifies that the rollups equal what the stored data implies: recomputes every image's contribution
// from its findings and compares the sum with the current rollup rows, recounts each image's console
// summary, and recounts the running units of every image usage group. Used by
// `imagescope check` after a crash or a restore; costs a full read of the account's findings.
import type { Kysely } from 'kysely';
import { summariseImage } from './image-summaries.ts';
import { addContribution, Contribution } from './rollup-counts.ts';
import type { Database, RollupAggregation } from './schema.ts';
import { severityName } from './severity-columns.ts';

export interface RollupMismatch {
  aggregation: string;
  key: string;
  stored: string;
  expected: string;
}

export async function checkRollups(db: Kysely<Database>, accountId: string): Promise<RollupMismatch[]> {
  const findings = await db
    .selectFrom('findings')
    .select(['image_id', 'vulnerability_id', 'fixed_version', severityName(), 'active'])
    .where('account_id', '=', accountId)
    .where('active', '=', 1)
    .execute();
  const images = await db.selectFrom('scanned_images').selectAll().where('account_id', '=', accountId).execute();
  const tags = new Map(images.map((i) => [i.image_id, i]));
  const byImage = new Map<number, typeof findings>();
  for (const f of findings) {
    const key = f.image_id;
    const rows = byImage.get(key);
    if (rows) rows.push(f);
    else byImage.set(key, [f]);
  }
  const expected = new Contribution();
  for (const [image, rows] of byImage) {
    const t = tags.get(image);
    addContribution(expected, { accountId, imageBuildVersionArn: t?.image_build_version_arn ?? null, imagePipelineArn: t?.image_pipeline_arn ?? null }, rows, 1);
  }
  const stored = await db.selectFrom('finding_rollups').selectAll().where('account_id', '=', accountId).where('version_to', 'is', null).execute();
  const keyOf = (aggregation: string, key: string) => `${aggregation}\u0000${key}`;
  const storedByKey = new Map(stored.map((r) => [keyOf(r.aggregation, r.aggregation_key), { aggregation: r.aggregation, key: r.aggregation_key, counts: `${r.count_all}/${r.count_critical}/${r.count_high}/${r.count_medium}` }]));
  const mismatches: RollupMismatch[] = [];
  for (const [aggregation, key, c] of expected.entries()) {
    if (c.all <= 0) continue;
    const want = `${c.all}/${c.critical}/${c.high}/${c.medium}`;
    const have = storedByKey.get(keyOf(aggregation, key))?.counts ?? 'none';
    if (want !== have) mismatches.push({ aggregation, key, stored: have, expected: want });
  }
  for (const row of storedByKey.values()) {
    const c = expected.get(row.aggregation as RollupAggregation, row.key);
    if (!c || c.all <= 0) mismatches.push({ aggregation: row.aggregation, key: row.key, stored: row.counts, expected: 'none' });
  }
  return [...mismatches, ...(await checkImageSummaries(db, accountId, byImage)), ...(await checkRunningCounts(db, accountId))];
}

/** Each image's console summary and vulnerability list against its findings. */
async function checkImageSummaries(db: Kysely<Database>, accountId: string, byImage: Map<number, Parameters<typeof summariseImage>[0]>): Promise<RollupMismatch[]> {
  const summaries = await db.selectFrom('image_finding_summaries as s')
    .innerJoin('image_vulnerability_lists as l', (join) => join.onRef('l.account_id', '=', 's.account_id').onRef('l.image_id', '=', 's.image_id'))
    .selectAll('s').select('l.vulnerabilities').where('s.account_id', '=', accountId).execute();
  const stored = new Map(summaries.map(({ account_id: _a, image_id, revision: _r, ...summary }) => [Number(image_id), summary]));
  const images = await db.selectFrom('scanned_images').select('image_id').where('account_id', '=', accountId).execute();
  const mismatches: RollupMismatch[] = [];
  for (const { image_id } of images) {
    const expected = summariseImage(byImage.get(Number(image_id)) ?? []);
    const have = stored.get(Number(image_id));
    const differs = !have || Object.entries(expected).some(([column, value]) => String(have[column as keyof typeof have]) !== String(value));
    if (differs) mismatches.push({ aggregation: 'imageSummary', key: String(image_id), stored: have ? `${have.count_all} occurrences, ${have.vulnerability_count} ids` : 'none', expected: `${expected.count_all} occurrences, ${expected.vulnerability_count} ids` });
  }
  return mismatches;
}

/** image_usage.running_count against the running units and their images. */
async function checkRunningCounts(db: Kysely<Database>, accountId: string): Promise<RollupMismatch[]> {
  const running = await db
    .selectFrom('runtime_unit_images as i')
    .innerJoin('runtime_units as u', (join) => join.onRef('u.account_id', '=', 'i.account_id').onRef('u.unit_id', '=', 'i.unit_id'))
    .select(['i.image_repository', 'i.image_digest', 'u.cluster_arn', 'u.platform', 'u.details_group', 'u.task_definition_arn'])
    .where('i.account_id', '=', accountId)
    .where('u.state', '=', 'RUNNING')
    .execute();
  const expected = new Map<string, number>();
  for (const r of running) {
    const key = [r.image_repository, r.image_digest, r.cluster_arn, r.platform, r.details_group, r.task_definition_arn ?? ''].join(' ');
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  const stored = await db.selectFrom('image_usage').selectAll().where('account_id', '=', accountId).execute();
  const mismatches: RollupMismatch[] = [];
  const seen = new Set<string>();
  for (const row of stored) {
    const key = [row.image_repository, row.image_digest, row.cluster_arn, row.platform, row.details_group, row.task_definition_arn].join(' ');
    seen.add(key);
    if (row.running_count !== (expected.get(key) ?? 0)) mismatches.push({ aggregation: 'runningUnits', key, stored: String(row.running_count), expected: String(expected.get(key) ?? 0) });
  }
  for (const [key, count] of expected) if (!seen.has(key)) mismatches.push({ aggregation: 'runningUnits', key, stored: 'none', expected: String(count) });
  return mismatches;
}

export async function accountsWithFindings(db: Kysely<Database>): Promise<string[]> {
  const findings = await db.selectFrom('rollup_versions').select('account_id').execute();
  const runtime = await db.selectFrom('image_usage').select('account_id').distinct().execute();
  return [...new Set([...findings, ...runtime].map((r) => r.account_id))].sort();
}
