// Applies findings reports. Per image: read its findings (open and closed), apply the report (a
// snapshot is the source's complete list unless it is older than or identical to the stored one;
// individual findings move forward one by one) as a few inserted and rewritten rows, then add the
// difference in the image's contribution to the rollups, all in the caller's transaction. The cost is
// proportional to the image's findings, never to the store.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { FindingIds } from '../domain/finding-ids.ts';
import type { FindingsBatch, FindingsReport } from '../domain/findings.ts';
import { incrementalChanges, snapshotChanges, type FindingChanges, type ImageContext } from './finding-changes.ts';
import { ImageLayers } from './image-layers.ts';
import type { StoredFinding } from './finding-states.ts';
import type { DetailsWriter } from './details-writes.ts';
import type { FindingsTable, ImageTarget } from './findings-table.ts';
import { recordConsoleChange, recordSourceActivity } from './console-activity.ts';
import { ExposureChanges } from './exposure-writes.ts';
import { saveImageSummary, summariseImage } from './image-summaries.ts';
import { addContribution, Contribution, type ImageTags } from './rollup-counts.ts';
import { applyRollupDelta, nextRollupVersion, pruneClosedRollups, type RollupDeltaWriter, type RollupVersion } from './rollup-writes.ts';
import type { Database, ScannedImageRow } from './schema.ts';

const pruneEvery = 64;

export interface FindingsWriteSummary {
  /** Reports that changed the stored findings (or the image's pipeline / build version). */
  reportsApplied: number;
  /** Reports that were identical to, or older than, what is stored. */
  reportsUnchanged: number;
  /** Findings now stored from the applied reports. */
  findingsStored: number;
}

/** The hot reads and writes of an ingest, in the dialect's fastest form. */
export interface FindingsWriters {
  findings: FindingsTable;
  saveDetails: DetailsWriter;
  writeRollupDeltas: RollupDeltaWriter;
}

/**
 * Applies the batches (the reports of many inputs) in order, in the caller's transaction, under one
 * rollup version: their rollup moves are merged, so a key that many reports move is written once.
 * Returns each batch's summary.
 */
export async function applyFindings(trx: Kysely<Database>, accountId: string, batches: FindingsBatch[], now: number, writers: FindingsWriters, closedFindingsMs: number): Promise<FindingsWriteSummary[]> {
  // Taking the account's next rollup version first locks its row: concurrent ingests of one account
  // (several replicas on PostgreSQL) then run one after the other, each reading what the previous one
  // committed, so no image's before/after contribution is computed from stale findings.
  const at = await nextRollupVersion(trx, accountId);
  const images = new ImageIds(trx, accountId);
  const delta = new Contribution();
  const scans = { moved: false };
  const exposures = new ExposureChanges(accountId, 'findings');
  const summaries: FindingsWriteSummary[] = [];
  for (const batch of batches) {
    const summary: FindingsWriteSummary = { reportsApplied: 0, reportsUnchanged: 0, findingsStored: 0 };
    for (const report of batch.reports) {
      if (await applyReport(trx, accountId, batch, report, { images, delta, now, writers, at, scans, exposures })) {
        summary.reportsApplied++;
        summary.findingsStored += report.findings.length;
      } else {
        summary.reportsUnchanged++;
      }
    }
    summaries.push(summary);
  }
  await recordSourceActivity(trx, accountId, batches.flatMap((b) => b.reports.map((r) => r.source)), now);
  const changed = summaries.some((s) => s.reportsApplied > 0);
  if (changed) {
    await applyRollupDelta(trx, accountId, delta, at, now, writers.writeRollupDeltas);
    if (at.version % pruneEvery === 0) await pruneClosedRollups(trx, accountId, now);
  }
  await exposures.apply(trx, now);
  // A rescan that found the same findings changes no count, but it is a newer scan (coverage).
  if (changed || scans.moved) await recordConsoleChange(trx, accountId, now);
  // Through the index of closed findings only: most ingests find none to remove.
  await trx.deleteFrom('findings').where('account_id', '=', accountId).where('active', '=', 0).where('closed_at', '<', now - closedFindingsMs).execute();
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
  /** Set when a report moved an image's newest scan time (image_reports). */
  scans: { moved: boolean };
  exposures: ExposureChanges;
}

/** Applies one report to its image; true when it changed the image's findings, its Image Builder ARNs or its tags. */
async function applyReport(trx: Kysely<Database>, accountId: string, batch: FindingsBatch, report: FindingsReport, { images, delta, now, writers, at, scans, exposures }: ReportContext): Promise<boolean> {
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
  const target: ImageTarget & ImageContext = { ingestedAt: now, account_id: accountId, image_id: image?.image_id ?? (await images.allocate()), ids: new FindingIds(report.image), layers: new ImageLayers(image?.layer_hashes ?? '') };
  const before = image ? await writers.findings.imageFindings(trx, target) : [];
  const applied = report.mode === 'snapshot' ? await replaceSnapshot(trx, target, report, before, now, scans) : { changes: incrementalChanges(before, report, now, target), sameList: false };
  if (report.mode === 'incremental') await recordIncrementalScan(trx, target, report, scans);
  const changes = applied?.changes;
  const written = changes !== undefined && (changes.inserts.length > 0 || changes.updates.length > 0);
  if (written) {
    await writers.findings.insert(trx, target, changes.inserts);
    await writers.findings.update(trx, target, changes.updates);
  }
  if (report.vulnerabilities) exposures.restatedVulnerabilities(await writers.saveDetails(trx, accountId, report));
  const layers = target.layers.changed();
  if (layers !== undefined || retagged || renamed) await images.save(report, target.image_id, tagsAfter, tagNames, layers ?? image?.layer_hashes ?? '', !image);
  if (!(written && !applied?.sameList) && !retagged && !renamed) return false;
  if (report.linkedDigests) await linkDigests(trx, accountId, report);
  if (changes?.counted || report.linkedDigests) exposures.findingsChanged(report.image);
  if (changes?.counted || retagged) {
    const after = changes?.after ?? before;
    addContribution(delta, tagsBefore, before, -1);
    addContribution(delta, tagsAfter, after, 1);
    if (changes?.counted) await saveImageSummary(trx, accountId, target.image_id, summariseImage(after), at.version);
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

  async save(report: FindingsReport, imageId: number, tags: ImageTags, tagNames: string, layerHashes: string, isNew: boolean): Promise<void> {
    const arns = { image_build_version_arn: tags.imageBuildVersionArn, image_pipeline_arn: tags.imagePipelineArn, image_tags: tagNames, layer_hashes: layerHashes };
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

function contentHash(report: FindingsReport): string {
  const lines = report.findings.map((f) => `${f.vulnerabilityId}\u0000${f.packageName}\u0000${f.packageVersion}\u0000${f.severity}\u0000${f.fixedVersion ?? ''}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/**
 * The source's new complete list for the image, unless the stored report is newer or identical; an
 * identical one seen later only moves the time its findings were last observed.
 */
async function replaceSnapshot(trx: Kysely<Database>, image: ImageTarget & ImageContext, report: FindingsReport, before: StoredFinding[], now: number, scans: { moved: boolean }): Promise<{ changes: FindingChanges; sameList: boolean } | undefined> {
  const key = { account_id: image.account_id, image_id: image.image_id };
  const stored = await trx.selectFrom('image_reports').select(['report_time', 'content_hash']).where('account_id', '=', key.account_id)
    .where('image_id', '=', key.image_id).where('source', '=', report.source).executeTakeFirst();
  const hash = contentHash(report);
  if (stored && stored.report_time > report.reportTime) return undefined;
  if (stored && stored.content_hash === hash) {
    // The same findings seen again later: remember the later time so an older report cannot win.
    if (report.reportTime <= stored.report_time) return undefined;
    await upsertReport(trx, key, report.source, report.reportTime, hash);
    scans.moved = true;
    return { changes: snapshotChanges(before, report, report.reportTime, image), sameList: true };
  }
  await upsertReport(trx, key, report.source, report.reportTime, hash);
  scans.moved = true;
  return { changes: snapshotChanges(before, report, report.reportTime || now, image), sameList: false };
}

/**
 * A source of individual findings (Inspector2) has no complete list to compare, but its newest
 * finding time is the image's newest scan by that source, as coverage reports it.
 */
async function recordIncrementalScan(trx: Kysely<Database>, image: ImageTarget, report: FindingsReport, scans: { moved: boolean }): Promise<void> {
  const key = { account_id: image.account_id, image_id: image.image_id };
  const stored = await trx.selectFrom('image_reports').select('report_time').where('account_id', '=', key.account_id)
    .where('image_id', '=', key.image_id).where('source', '=', report.source).executeTakeFirst();
  if (stored && Number(stored.report_time) >= report.reportTime) return;
  await upsertReport(trx, key, report.source, report.reportTime, '');
  scans.moved = true;
}

async function upsertReport(trx: Kysely<Database>, image: { account_id: string; image_id: number }, source: string, reportTime: number, hash: string): Promise<void> {
  await trx.insertInto('image_reports').values({ ...image, source, report_time: reportTime, content_hash: hash })
    .onConflict((oc) => oc.columns(['account_id', 'image_id', 'source']).doUpdateSet({ report_time: reportTime, content_hash: hash }))
    .execute();
}
