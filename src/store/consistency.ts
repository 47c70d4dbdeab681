// Verifies that the rollups equal what the stored findings imply: recomputes every image's
// contribution from its findings and compares the sum with the current rollup rows. Used by
// `imagescope check` after a crash or a restore; costs a full read of the account's findings.
import type { Kysely } from 'kysely';
import { accumulate, contributionOf, rollupKey, splitRollupKey, type Contribution } from './rollup-counts.ts';
import type { Database } from './schema.ts';

export interface RollupMismatch {
  aggregation: string;
  key: string;
  stored: string;
  expected: string;
}

export async function checkRollups(db: Kysely<Database>, accountId: string): Promise<RollupMismatch[]> {
  const findings = await db
    .selectFrom('image_findings')
    .select(['image_id', 'vulnerability_id', 'package_name', 'package_version', 'severity', 'active'])
    .where('account_id', '=', accountId)
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
  const expected: Contribution = new Map();
  for (const [image, rows] of byImage) {
    const t = tags.get(image);
    accumulate(expected, contributionOf({ accountId, imageBuildVersionArn: t?.image_build_version_arn ?? null, imagePipelineArn: t?.image_pipeline_arn ?? null }, rows, []), 1);
  }
  const stored = await db.selectFrom('finding_rollups').selectAll().where('account_id', '=', accountId).where('version_to', 'is', null).execute();
  const storedByKey = new Map(stored.map((r) => [rollupKey(r.aggregation, r.aggregation_key), `${r.count_all}/${r.count_critical}/${r.count_high}/${r.count_medium}`]));
  const mismatches: RollupMismatch[] = [];
  for (const key of new Set([...storedByKey.keys(), ...[...expected].filter(([, c]) => c.all > 0).map(([k]) => k)])) {
    const c = expected.get(key);
    const want = c && c.all > 0 ? `${c.all}/${c.critical}/${c.high}/${c.medium}` : 'none';
    const have = storedByKey.get(key) ?? 'none';
    if (want !== have) {
      const [aggregation, k] = splitRollupKey(key);
      mismatches.push({ aggregation, key: k, stored: have, expected: want });
    }
  }
  return mismatches;
}

export async function accountsWithFindings(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('rollup_versions').select('account_id').orderBy('account_id').execute();
  return rows.map((r) => r.account_id);
}
