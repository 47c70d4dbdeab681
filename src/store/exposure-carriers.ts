// Which running images carry which vulnerabilities where (exposure_carriers), kept current for the
// images a write changed: the groups of clusters an image runs in now (image_usage) times the
// vulnerabilities of its scanned image (image_vulnerability_lists; a digest that a report links to a
// scanned one counts as it, as the console counts it). An id whose details name a CVE as the same
// vulnerability (a GHSA) is carried as that CVE, so an id and its aliases are one exposure.
import type { Kysely } from 'kysely';
import type { ImageKey } from '../domain/images.ts';
import { parseVulnerabilityLines, type ImageVulnerability } from './image-summaries.ts';
import type { Database, ExposureCarrierRow } from './schema.ts';
import { chunks } from './transactions.ts';
import { entryOf } from '../domain/map-entries.ts';

const imagesPerStatement = 100;
const rowsPerStatement = 300;

type Group = Pick<ExposureCarrierRow, 'cluster_arn' | 'platform' | 'details_group'>;

const imageKey = (repository: string, digest: string) => `${repository}\u0000${digest}`;
/** An exposure within the account: `vulnerability\0cluster`. */
export const exposureKey = (vulnerabilityId: string, clusterArn: string) => `${vulnerabilityId}\u0000${clusterArn}`;

/** The digests that run as these scanned images: each itself, and the digests reports linked to it. */
export async function runningDigestsOf(trx: Kysely<Database>, accountId: string, scanned: ImageKey[]): Promise<ImageKey[]> {
  const out = new Map(scanned.map((i) => [imageKey(i.repository, i.digest), i]));
  for (const chunk of chunks(scanned, imagesPerStatement)) {
    const links = await trx.selectFrom('image_digest_links').select(['image_repository', 'linked_digest']).where('account_id', '=', accountId)
      .where(matchingImages(chunk)).execute();
    for (const l of links) out.set(imageKey(l.image_repository, l.linked_digest), { repository: l.image_repository, digest: l.linked_digest });
  }
  return [...out.values()];
}

/**
 * Rewrites the carriers of these running digests from what the store holds now, and returns the
 * exposures whose carriers changed (`vulnerability\0cluster`).
 */
export async function refreshCarriers(trx: Kysely<Database>, accountId: string, digests: ImageKey[]): Promise<Set<string>> {
  const changed = new Set<string>();
  for (const chunk of chunks(digests, imagesPerStatement)) {
    const next = await carriersNow(trx, accountId, chunk);
    // One indexed range per image: an OR of (repository, digest) pairs is no range to SQLite's planner.
    const before: ExposureCarrierRow[] = [];
    for (const image of chunk) before.push(...(await trx.selectFrom('exposure_carriers').selectAll().where('account_id', '=', accountId).where('image_repository', '=', image.repository).where('image_digest', '=', image.digest).execute()));
    const rewritten = new Set<string>();
    const rows = (list: ExposureCarrierRow[]) => groupBy(list, (r) => imageKey(r.image_repository, r.image_digest));
    const [beforeByImage, nextByImage] = [rows(before), rows(next)];
    for (const image of chunk) {
      const key = imageKey(image.repository, image.digest);
      const [old, now] = [beforeByImage.get(key) ?? [], nextByImage.get(key) ?? []];
      if (sameRows(old, now)) continue;
      rewritten.add(key);
      for (const r of [...old, ...now]) changed.add(exposureKey(r.vulnerability_id, r.cluster_arn));
    }
    if (rewritten.size === 0) continue;
    for (const image of chunk.filter((i) => rewritten.has(imageKey(i.repository, i.digest)))) {
      await trx.deleteFrom('exposure_carriers').where('account_id', '=', accountId).where('image_repository', '=', image.repository).where('image_digest', '=', image.digest).execute();
    }
    const inserts = next.filter((r) => rewritten.has(imageKey(r.image_repository, r.image_digest)));
    for (const rowsChunk of chunks(inserts, rowsPerStatement)) await trx.insertInto('exposure_carriers').values(rowsChunk).execute();
  }
  return changed;
}

/** What the carriers of these digests are now: their running groups times their scanned image's vulnerabilities. */
async function carriersNow(trx: Kysely<Database>, accountId: string, digests: ImageKey[]): Promise<ExposureCarrierRow[]> {
  const groups = groupBy(
    await trx.selectFrom('image_usage').select(['image_repository', 'image_digest', 'cluster_arn', 'platform', 'details_group']).distinct()
      .where('account_id', '=', accountId).where(matchingImages(digests)).where('running_count', '>', 0).execute(),
    (g) => imageKey(g.image_repository, g.image_digest),
  );
  const running = digests.filter((d) => groups.has(imageKey(d.repository, d.digest)));
  if (running.length === 0) return [];
  const vulnerabilities = await vulnerabilitiesOf(trx, accountId, running);
  const canonical = await canonicalIds(trx, accountId, [...vulnerabilities.values()].flat().map((v) => v.vulnerabilityId));
  const out: ExposureCarrierRow[] = [];
  for (const digest of running) {
    const key = imageKey(digest.repository, digest.digest);
    const carried = new Map<string, { rank: number; fixable: boolean; aliases: Set<string> }>();
    for (const v of vulnerabilities.get(key) ?? []) {
      const id = canonical.get(v.vulnerabilityId) ?? v.vulnerabilityId;
      const seen = carried.get(id);
      if (!seen) carried.set(id, { rank: v.rank, fixable: v.fixable, aliases: new Set(id === v.vulnerabilityId ? [] : [v.vulnerabilityId]) });
      else {
        seen.rank = Math.min(seen.rank, v.rank);
        seen.fixable ||= v.fixable;
        if (id !== v.vulnerabilityId) seen.aliases.add(v.vulnerabilityId);
      }
    }
    for (const group of groups.get(key) as Group[]) {
      for (const [id, v] of carried) {
        out.push({
          account_id: accountId, vulnerability_id: id, cluster_arn: group.cluster_arn, image_repository: digest.repository, image_digest: digest.digest,
          details_group: group.details_group, platform: group.platform, severity_rank: v.rank, fixable: v.fixable ? 1 : 0, aliases: [...v.aliases].sort().join(','),
        });
      }
    }
  }
  return out;
}

/** Each digest's vulnerabilities: its own scanned image's, else those of the scanned image a report linked it to. */
async function vulnerabilitiesOf(trx: Kysely<Database>, accountId: string, digests: ImageKey[]): Promise<Map<string, ImageVulnerability[]>> {
  const scannedAs = new Map(digests.map((d) => [imageKey(d.repository, d.digest), imageKey(d.repository, d.digest)]));
  const links = await trx.selectFrom('image_digest_links').select(['image_repository', 'linked_digest', 'image_digest']).where('account_id', '=', accountId)
    .where(matchingImages(digests, 'linked_digest')).execute();
  const targets = new Map(digests.map((d) => [imageKey(d.repository, d.digest), d]));
  for (const l of links) {
    scannedAs.set(imageKey(l.image_repository, l.linked_digest), imageKey(l.image_repository, l.image_digest));
    targets.set(imageKey(l.image_repository, l.image_digest), { repository: l.image_repository, digest: l.image_digest });
  }
  const images = await trx.selectFrom('scanned_images as s').innerJoin('image_vulnerability_lists as v', (j) => j.onRef('v.account_id', '=', 's.account_id').onRef('v.image_id', '=', 's.image_id'))
    .select(['s.image_repository', 's.image_digest', 'v.vulnerabilities']).where('s.account_id', '=', accountId)
    .where((eb) => eb.or([...targets.values()].map((i) => eb.and([eb('s.image_repository', '=', i.repository), eb('s.image_digest', '=', i.digest)])))).execute();
  const lists = new Map(images.map((i) => [imageKey(i.image_repository, i.image_digest), parseVulnerabilityLines(i.vulnerabilities)]));
  const out = new Map<string, ImageVulnerability[]>();
  for (const d of digests) {
    const key = imageKey(d.repository, d.digest);
    // A digest scanned itself is its own image; a link counts only for a digest never scanned.
    out.set(key, lists.get(key) ?? lists.get(scannedAs.get(key)!) ?? []);
  }
  return out;
}

/** The CVE each of these non-CVE ids goes by, where some source's details name one as the same vulnerability. */
export async function canonicalIds(trx: Kysely<Database>, accountId: string, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const others = [...new Set(ids.filter((id) => !id.startsWith('CVE-')))];
  for (const chunk of chunks(others, rowsPerStatement)) {
    const rows = await trx.selectFrom('vulnerability_details').select(['vulnerability_id', 'details']).where('account_id', '=', accountId).where('vulnerability_id', 'in', chunk).execute();
    for (const row of rows) {
      const related = (JSON.parse(row.details) as { relatedVulnerabilities?: string[] }).relatedVulnerabilities ?? [];
      const cve = related.filter((r) => r.startsWith('CVE-')).sort()[0];
      const seen = out.get(row.vulnerability_id);
      if (cve && (!seen || cve < seen)) out.set(row.vulnerability_id, cve);
    }
  }
  return out;
}

/** `(repository, digest)` is one of these images' (`digestColumn`: the column holding the digest). */
export function matchingImages(images: ImageKey[], digestColumn = 'image_digest') {
  return (eb: any) => eb.or(images.map((i) => eb.and([eb('image_repository', '=', i.repository), eb(digestColumn, '=', i.digest)])));
}

function sameRows(a: ExposureCarrierRow[], b: ExposureCarrierRow[]): boolean {
  if (a.length !== b.length) return false;
  const line = (r: ExposureCarrierRow) => [r.vulnerability_id, r.cluster_arn, r.details_group, r.platform, Number(r.severity_rank), Number(r.fixable), r.aliases].join('\u0000');
  const lines = new Set(a.map(line));
  return b.every((r) => lines.has(line(r)));
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) entryOf(out, key(item), () => []).push(item);
  return out;
}
