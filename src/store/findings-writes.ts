// Applies findings reports. Per image: read its findings from every source, apply the report (a
// snapshot replaces that source's findings unless it is older or identical; incremental findings
// move forward one by one), then add the difference in the image's contribution to the rollups, all
// in the caller's transaction. The cost is proportional to the image's findings, never to the store.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { FindingsBatch, FindingsReport } from '../ingest/findings/findings-report.ts';
import { accumulate, contributionOf, type Contribution, type ImageTags } from './rollup-counts.ts';
import { applyRollupDelta, nextRollupVersion, pruneClosedRollups } from './rollup-writes.ts';
import type { Database, ImageFindingRow } from './schema.ts';
import { chunks } from './transactions.ts';

const rowsPerStatement = 300;
const pruneEvery = 64;

export interface FindingsWriteSummary {
  /** Reports that changed the stored findings (or the image's pipeline / build version). */
  reportsApplied: number;
  /** Reports that were identical to, or older than, what is stored. */
  reportsUnchanged: number;
  /** Findings now stored from the applied reports. */
  findingsStored: number;
}

export async function applyFindings(trx: Kysely<Database>, accountId: string, batch: FindingsBatch, now: number): Promise<FindingsWriteSummary> {
  const summary: FindingsWriteSummary = { reportsApplied: 0, reportsUnchanged: 0, findingsStored: 0 };
  // Taking the account's next rollup version first locks its row: concurrent ingests of one account
  // (several replicas on PostgreSQL) then run one after the other, each reading what the previous one
  // committed, so no image's before/after contribution is computed from stale findings.
  const version = await nextRollupVersion(trx, accountId);
  const delta: Contribution = new Map();
  for (const report of batch.reports) {
    const imageWhere = { account_id: accountId, image_repository: report.image.repository, image_digest: report.image.digest };
    const image = await trx.selectFrom('scanned_images').selectAll().where('account_id', '=', accountId)
      .where('image_repository', '=', imageWhere.image_repository).where('image_digest', '=', imageWhere.image_digest).executeTakeFirst();
    const tagsBefore: ImageTags = { accountId, imageBuildVersionArn: image?.image_build_version_arn ?? null, imagePipelineArn: image?.image_pipeline_arn ?? null };
    const tagsAfter: ImageTags = {
      accountId,
      imageBuildVersionArn: batch.imageBuildVersionArn ?? tagsBefore.imageBuildVersionArn,
      imagePipelineArn: batch.imagePipelineArn ?? tagsBefore.imagePipelineArn,
    };
    const retagged = !image || tagsAfter.imageBuildVersionArn !== tagsBefore.imageBuildVersionArn || tagsAfter.imagePipelineArn !== tagsBefore.imagePipelineArn;
    const before = await imageFindings(trx, imageWhere);
    const changed = report.mode === 'snapshot' ? await replaceSnapshot(trx, imageWhere, report, now) : await applyIncremental(trx, imageWhere, report, before, now);
    if (!changed && !retagged) {
      summary.reportsUnchanged++;
      continue;
    }
    summary.reportsApplied++;
    summary.findingsStored += report.findings.length;
    if (retagged) {
      await trx.insertInto('scanned_images').values({ ...imageWhere, image_build_version_arn: tagsAfter.imageBuildVersionArn, image_pipeline_arn: tagsAfter.imagePipelineArn })
        .onConflict((oc) => oc.columns(['account_id', 'image_repository', 'image_digest']).doUpdateSet({ image_build_version_arn: tagsAfter.imageBuildVersionArn, image_pipeline_arn: tagsAfter.imagePipelineArn }))
        .execute();
    }
    const after = changed ? await imageFindings(trx, imageWhere) : before;
    accumulate(delta, contributionOf(tagsBefore, before), -1);
    accumulate(delta, contributionOf(tagsAfter, after), 1);
  }
  if (summary.reportsApplied > 0) {
    await applyRollupDelta(trx, accountId, delta, version, now);
    if (version % pruneEvery === 0) await pruneClosedRollups(trx, accountId, now);
  }
  return summary;
}

type ImageWhere = { account_id: string; image_repository: string; image_digest: string };

function imageFindings(trx: Kysely<Database>, image: ImageWhere) {
  return trx
    .selectFrom('image_findings')
    .select(['source', 'vulnerability_id', 'package_name', 'package_version', 'severity', 'active', 'observed_at'])
    .where('account_id', '=', image.account_id)
    .where('image_repository', '=', image.image_repository)
    .where('image_digest', '=', image.image_digest)
    .execute();
}

function contentHash(report: FindingsReport): string {
  const lines = report.findings.map((f) => `${f.vulnerabilityId}\u0000${f.packageName}\u0000${f.packageVersion}\u0000${f.severity}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Replaces the source's findings of the image, unless the stored report is newer or identical. */
async function replaceSnapshot(trx: Kysely<Database>, image: ImageWhere, report: FindingsReport, now: number): Promise<boolean> {
  const stored = await trx.selectFrom('image_reports').select(['report_time', 'content_hash']).where('account_id', '=', image.account_id)
    .where('image_repository', '=', image.image_repository).where('image_digest', '=', image.image_digest).where('source', '=', report.source).executeTakeFirst();
  const hash = contentHash(report);
  if (stored && stored.report_time > report.reportTime) return false;
  if (stored && stored.content_hash === hash) {
    // The same findings seen again later: remember the later time so an older report cannot win.
    if (report.reportTime > stored.report_time) await upsertReport(trx, image, report.source, report.reportTime, hash);
    return false;
  }
  await trx.deleteFrom('image_findings').where('account_id', '=', image.account_id).where('image_repository', '=', image.image_repository)
    .where('image_digest', '=', image.image_digest).where('source', '=', report.source).execute();
  const rows: ImageFindingRow[] = report.findings.map((f) => ({
    ...image,
    source: report.source,
    vulnerability_id: f.vulnerabilityId,
    package_name: f.packageName,
    package_version: f.packageVersion,
    severity: f.severity,
    active: f.active ? 1 : 0,
    observed_at: report.reportTime || now,
  }));
  for (const chunk of chunks(rows, rowsPerStatement)) await trx.insertInto('image_findings').values(chunk).execute();
  await upsertReport(trx, image, report.source, report.reportTime, hash);
  return true;
}

async function upsertReport(trx: Kysely<Database>, image: ImageWhere, source: string, reportTime: number, hash: string): Promise<void> {
  await trx.insertInto('image_reports').values({ ...image, source, report_time: reportTime, content_hash: hash })
    .onConflict((oc) => oc.columns(['account_id', 'image_repository', 'image_digest', 'source']).doUpdateSet({ report_time: reportTime, content_hash: hash }))
    .execute();
}

/** Moves each finding forward unless the stored state of it was observed later. */
async function applyIncremental(trx: Kysely<Database>, image: ImageWhere, report: FindingsReport, before: { source: string; vulnerability_id: string; package_name: string; package_version: string; severity: string; active: number; observed_at: number }[], now: number): Promise<boolean> {
  const stored = new Map(before.filter((r) => r.source === report.source).map((r) => [`${r.vulnerability_id}\u0000${r.package_name}\u0000${r.package_version}`, r]));
  const newest = new Map<string, ImageFindingRow>();
  for (const f of report.findings) {
    const key = `${f.vulnerabilityId}\u0000${f.packageName}\u0000${f.packageVersion}`;
    const row: ImageFindingRow = { ...image, source: report.source, vulnerability_id: f.vulnerabilityId, package_name: f.packageName, package_version: f.packageVersion, severity: f.severity, active: f.active ? 1 : 0, observed_at: f.observedAt ?? now };
    const seen = newest.get(key) ?? stored.get(key);
    if (seen && seen.observed_at > row.observed_at) continue;
    if (seen && seen.observed_at === row.observed_at && seen.active === row.active && seen.severity === row.severity) continue;
    newest.set(key, row);
  }
  const rows = [...newest.values()];
  for (const chunk of chunks(rows, rowsPerStatement)) {
    await trx.insertInto('image_findings').values(chunk)
      .onConflict((oc) => oc.columns(['account_id', 'image_repository', 'image_digest', 'source', 'vulnerability_id', 'package_name', 'package_version'])
        .doUpdateSet((eb) => ({ severity: eb.ref('excluded.severity'), active: eb.ref('excluded.active'), observed_at: eb.ref('excluded.observed_at') })))
      .execute();
  }
  return rows.length > 0;
}
