// Applies findings reports. Per image: read its findings from every source, apply the report (a
// snapshot replaces that source's findings unless it is older or identical; incremental findings
// move forward one by one), then add the difference in the image's contribution to the rollups, all
// in the caller's transaction. The cost is proportional to the image's findings, never to the store.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Finding, FindingsBatch, FindingsReport } from '../domain/findings.ts';
import type { FindingsInserter } from './bulk-insert.ts';
import { recordConsoleChange, recordSourceActivity } from './console-activity.ts';
import { saveImageSummary, summariseImage } from './image-summaries.ts';
import { addContribution, Contribution, type ImageTags } from './rollup-counts.ts';
import { applyRollupDelta, nextRollupVersion, pruneClosedRollups, type RollupDeltaWriter, type RollupVersion } from './rollup-writes.ts';
import type { Database, ImageFindingRow, ScannedImageRow } from './schema.ts';
import { chunks } from './transactions.ts';

const rowsPerStatement = 500;
const pruneEvery = 64;

export interface FindingsWriteSummary {
  /** Reports that changed the stored findings (or the image's pipeline / build version). */
  reportsApplied: number;
  /** Reports that were identical to, or older than, what is stored. */
  reportsUnchanged: number;
  /** Findings now stored from the applied reports. */
  findingsStored: number;
}

export type FindingRow = Omit<ImageFindingRow, 'account_id' | 'image_id'>;

/** The two hot writes of an ingest, in the dialect's fastest form. */
export interface FindingsWriters {
  insertFindings: FindingsInserter;
  writeRollupDeltas: RollupDeltaWriter;
}
const findingKey = (r: Pick<FindingRow, 'vulnerability_id' | 'package_name' | 'package_version'>) => `${r.vulnerability_id}\u0000${r.package_name}\u0000${r.package_version}`;

/**
 * Applies the batches (the reports of many inputs) in order, in the caller's transaction, under one
 * rollup version: their rollup moves are merged, so a key that many reports move is written once.
 * Returns each batch's summary.
 */
export async function applyFindings(trx: Kysely<Database>, accountId: string, batches: FindingsBatch[], now: number, writers: FindingsWriters): Promise<FindingsWriteSummary[]> {
  // Taking the account's next rollup version first locks its row: concurrent ingests of one account
  // (several replicas on PostgreSQL) then run one after the other, each reading what the previous one
  // committed, so no image's before/after contribution is computed from stale findings.
  const at = await nextRollupVersion(trx, accountId);
  const images = new ImageIds(trx, accountId);
  const delta = new Contribution();
  const summaries: FindingsWriteSummary[] = [];
  for (const batch of batches) {
    const summary: FindingsWriteSummary = { reportsApplied: 0, reportsUnchanged: 0, findingsStored: 0 };
    for (const report of batch.reports) {
      if (await applyReport(trx, accountId, batch, report, { images, delta, now, writers, at })) {
        summary.reportsApplied++;
        summary.findingsStored += report.findings.length;
      } else {
        summary.reportsUnchanged++;
      }
    }
    summaries.push(summary);
  }
  await recordSourceActivity(trx, accountId, batches.flatMap((b) => b.reports.map((r) => r.source)), now);
  if (summaries.some((s) => s.reportsApplied > 0)) {
    await applyRollupDelta(trx, accountId, delta, at, now, writers.writeRollupDeltas);
    await recordConsoleChange(trx, accountId, now);
    if (at.version % pruneEvery === 0) await pruneClosedRollups(trx, accountId, now);
  }
  return summaries;
}

interface ReportContext {
  images: ImageIds;
  /** The rollup moves of every report so far. */
  delta: Contribution;
  now: number;
  writers: FindingsWriters;
  /** The ingest's rollup version: the revision of the image summaries it writes. */
  at: RollupVersion;
}

/** Applies one report to its image; true when it changed the image's findings, its Image Builder ARNs or its tags. */
async function applyReport(trx: Kysely<Database>, accountId: string, batch: FindingsBatch, report: FindingsReport, { images, delta, now, writers, at }: ReportContext): Promise<boolean> {
  const image = await images.find(report);
  const tagsBefore: ImageTags = { accountId, imageBuildVersionArn: image?.image_build_version_arn ?? null, imagePipelineArn: image?.image_pipeline_arn ?? null };
  const tagsAfter: ImageTags = {
    accountId,
    imageBuildVersionArn: batch.imageBuildVersionArn ?? tagsBefore.imageBuildVersionArn,
    imagePipelineArn: batch.imagePipelineArn ?? tagsBefore.imagePipelineArn,
  };
  const retagged = !image || tagsAfter.imageBuildVersionArn !== tagsBefore.imageBuildVersionArn || tagsAfter.imagePipelineArn !== tagsBefore.imagePipelineArn;
  const tagNames = mergeTagNames(image?.image_tags ?? '', report.tags);
  const renamed = !image || tagNames !== image.image_tags;
  const imageId = image?.image_id ?? (await images.allocate());
  const before = image ? await imageFindings(trx, accountId, imageId) : [];
  const target = { account_id: accountId, image_id: imageId };
  const after = report.mode === 'snapshot' ? await replaceSnapshot(trx, target, report, before, now, writers.insertFindings) : await applyIncremental(trx, target, report, before, now);
  if (!after && !retagged && !renamed) return false;
  if (retagged || renamed) await images.save(report, imageId, tagsAfter, tagNames, !image);
  if (report.linkedDigests) await linkDigests(trx, accountId, report);
  addContribution(delta, tagsBefore, before, [], -1);
  if (after) {
    addContribution(delta, tagsAfter, after.rows, after.findings, 1);
    await saveImageSummary(trx, accountId, imageId, summariseImage(after.rows, after.findings), at.version);
  } else {
    addContribution(delta, tagsAfter, before, [], 1);
  }
  return true;
}

/** The images of one account: lookup by repository and digest, and ids for new ones. */
class ImageIds {
  private next?: number;

  constructor(
    private readonly trx: Kysely<Database>,
    private readonly accountId: string,
  ) {}

  find(report: FindingsReport): Promise<ScannedImageRow | undefined> {
    return this.trx.selectFrom('scanned_images').selectAll().where('account_id', '=', this.accountId)
      .where('image_repository', '=', report.image.repository).where('image_digest', '=', report.image.digest).executeTakeFirst();
  }

  /** The next unused id; safe because the caller holds the account's rollup version lock. */
  async allocate(): Promise<number> {
    if (this.next === undefined) {
      const row = await this.trx.selectFrom('scanned_images').select((eb) => eb.fn.max('image_id').as('max')).where('account_id', '=', this.accountId).executeTakeFirst();
      this.next = Number(row?.max ?? 0) + 1;
    }
    return this.next++;
  }

  async save(report: FindingsReport, imageId: number, tags: ImageTags, tagNames: string, isNew: boolean): Promise<void> {
    const arns = { image_build_version_arn: tags.imageBuildVersionArn, image_pipeline_arn: tags.imagePipelineArn, image_tags: tagNames };
    if (isNew) {
      await this.trx.insertInto('scanned_images').values({ account_id: this.accountId, image_repository: report.image.repository, image_digest: report.image.digest, image_id: imageId, ...arns }).execute();
    } else {
      await this.trx.updateTable('scanned_images').set(arns).where('account_id', '=', this.accountId).where('image_id', '=', imageId).execute();
    }
  }
}

const tagsKept = 50;

/** The image's tags with the report's added: sorted and distinct, so the same report twice changes nothing. */
function mergeTagNames(stored: string, reported: string[] | undefined): string {
  if (!reported?.length) return stored;
  const names = new Set([...(stored ? stored.split(',') : []), ...reported]);
  return [...names].sort().slice(0, tagsKept).join(',');
}

/** The report's other digests of its image: the console counts their runtime use as the image's. */
async function linkDigests(trx: Kysely<Database>, accountId: string, report: FindingsReport): Promise<void> {
  const rows = (report.linkedDigests ?? []).map((linked) => ({ account_id: accountId, image_repository: report.image.repository, linked_digest: linked, image_digest: report.image.digest }));
  await trx.insertInto('image_digest_links').values(rows)
    .onConflict((oc) => oc.columns(['account_id', 'image_repository', 'linked_digest']).doUpdateSet((eb) => ({ image_digest: eb.ref('excluded.image_digest') })))
    .execute();
}

type ImageTarget = { account_id: string; image_id: number };

/** An image's findings after a change: stored rows of its other sources, plus the report's findings. */
interface ImageState {
  rows: FindingRow[];
  findings: Finding[];
}

function imageFindings(trx: Kysely<Database>, accountId: string, imageId: number): Promise<FindingRow[]> {
  return trx
    .selectFrom('image_findings')
    .select(['source', 'vulnerability_id', 'package_name', 'package_version', 'fixed_version', 'severity', 'active', 'observed_at'])
    .where('account_id', '=', accountId)
    .where('image_id', '=', imageId)
    .execute();
}

function contentHash(report: FindingsReport): string {
  const lines = report.findings.map((f) => `${f.vulnerabilityId}\u0000${f.packageName}\u0000${f.packageVersion}\u0000${f.severity}\u0000${f.fixedVersion ?? ''}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

function toRow(report: FindingsReport, f: FindingsReport['findings'][number], observedAt: number): FindingRow {
  return {
    source: report.source,
    vulnerability_id: f.vulnerabilityId,
    package_name: f.packageName,
    package_version: f.packageVersion,
    fixed_version: f.fixedVersion ?? null,
    severity: f.severity,
    active: f.active ? 1 : 0,
    observed_at: observedAt,
  };
}

async function upsertFindings(trx: Kysely<Database>, image: ImageTarget, rows: FindingRow[]): Promise<void> {
  for (const chunk of chunks(rows, rowsPerStatement)) {
    await trx
      .insertInto('image_findings')
      .values(chunk.map((r) => ({ ...image, ...r })))
      .onConflict((oc) =>
        oc.columns(['account_id', 'image_id', 'source', 'vulnerability_id', 'package_name', 'package_version'])
          .doUpdateSet((eb) => ({ severity: eb.ref('excluded.severity'), fixed_version: eb.ref('excluded.fixed_version'), active: eb.ref('excluded.active'), observed_at: eb.ref('excluded.observed_at') })),
      )
      .execute();
  }
}

/**
 * Replaces the source's findings of the image, unless the stored report is newer or identical.
 * Returns the image's findings afterwards, or undefined when nothing changed.
 */
async function replaceSnapshot(trx: Kysely<Database>, image: ImageTarget, report: FindingsReport, before: FindingRow[], now: number, insertRows: FindingsInserter): Promise<ImageState | undefined> {
  const stored = await trx.selectFrom('image_reports').select(['report_time', 'content_hash']).where('account_id', '=', image.account_id)
    .where('image_id', '=', image.image_id).where('source', '=', report.source).executeTakeFirst();
  const hash = contentHash(report);
  if (stored && stored.report_time > report.reportTime) return undefined;
  if (stored && stored.content_hash === hash) {
    // The same findings seen again later: remember the later time so an older report cannot win.
    if (report.reportTime > stored.report_time) await upsertReport(trx, image, report.source, report.reportTime, hash);
    return undefined;
  }
  if (before.some((r) => r.source === report.source)) {
    await trx.deleteFrom('image_findings').where('account_id', '=', image.account_id).where('image_id', '=', image.image_id).where('source', '=', report.source).execute();
  }
  await insertRows(trx, image, report, report.reportTime || now);
  await upsertReport(trx, image, report.source, report.reportTime, hash);
  return { rows: before.filter((r) => r.source !== report.source), findings: report.findings };
}

async function upsertReport(trx: Kysely<Database>, image: ImageTarget, source: string, reportTime: number, hash: string): Promise<void> {
  await trx.insertInto('image_reports').values({ ...image, source, report_time: reportTime, content_hash: hash })
    .onConflict((oc) => oc.columns(['account_id', 'image_id', 'source']).doUpdateSet({ report_time: reportTime, content_hash: hash }))
    .execute();
}

/**
 * Moves each finding forward unless the stored state of it was observed later. Returns the image's
 * findings afterwards, or undefined when nothing changed.
 */
async function applyIncremental(trx: Kysely<Database>, image: ImageTarget, report: FindingsReport, before: FindingRow[], now: number): Promise<ImageState | undefined> {
  const own = (r: FindingRow) => r.source === report.source;
  const current = new Map(before.filter(own).map((r) => [findingKey(r), r]));
  const changed = new Map<string, FindingRow>();
  for (const f of report.findings) {
    const row = toRow(report, f, f.observedAt ?? now);
    const key = findingKey(row);
    const seen = current.get(key);
    if (seen && seen.observed_at > row.observed_at) continue;
    if (seen && seen.observed_at === row.observed_at && seen.active === row.active && seen.severity === row.severity && seen.fixed_version === row.fixed_version) continue;
    current.set(key, row);
    changed.set(key, row);
  }
  if (changed.size === 0) return undefined;
  await upsertFindings(trx, image, [...changed.values()]);
  return { rows: [...before.filter((r) => !own(r)), ...current.values()], findings: [] };
}
