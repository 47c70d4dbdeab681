// What an alert says about one exposure when it is first sent: the images that carry it there with
// their tags, the workloads that run them (EKS workloads by namespace, ECS task groups) with their
// running units, and the ids its details name as the same vulnerability. Read from the rollups, by key.
import type { Kysely } from 'kysely';
import { matchingImages } from './exposure-carriers.ts';
import type { Database, ExposureCarrierRow, ExposureNoticeRow } from './schema.ts';

export interface RunningWorkload {
  repository: string;
  digest: string;
  platform: 'ECS' | 'EKS';
  /** The EKS namespace, or the ECS task group. */
  detailsGroup: string;
  kind: string;
  name: string;
  runningUnits: number;
}

export interface ExposureDetails {
  carriers: ExposureCarrierRow[];
  /** Tags by `repository\0digest` of each carrier (its scanned image's, for a linked digest). */
  tags: Map<string, string[]>;
  workloads: RunningWorkload[];
  /** Related ids the vulnerability's details name. */
  related: string[];
}

export async function exposureDetails(db: Kysely<Database>, accountId: string, clusterArn: string, vulnerabilityId: string): Promise<ExposureDetails> {
  const carriers = await db.selectFrom('exposure_carriers').selectAll().where('account_id', '=', accountId).where('vulnerability_id', '=', vulnerabilityId).where('cluster_arn', '=', clusterArn).execute();
  const images = [...new Map(carriers.map((c) => [`${c.image_repository}\u0000${c.image_digest}`, { repository: c.image_repository, digest: c.image_digest }])).values()];
  const tags = new Map<string, string[]>();
  const workloads: RunningWorkload[] = [];
  if (images.length) {
    const links = await db.selectFrom('image_digest_links').select(['image_repository', 'linked_digest', 'image_digest']).where('account_id', '=', accountId).where(matchingImages(images, 'linked_digest')).execute();
    const scannedAs = new Map(links.map((l) => [`${l.image_repository}\u0000${l.linked_digest}`, l.image_digest]));
    const scanned = await db.selectFrom('scanned_images').select(['image_repository', 'image_digest', 'image_tags']).where('account_id', '=', accountId)
      .where(matchingImages([...images, ...links.map((l) => ({ repository: l.image_repository, digest: l.image_digest }))])).execute();
    const tagsOf = new Map(scanned.map((s) => [`${s.image_repository}\u0000${s.image_digest}`, s.image_tags ? s.image_tags.split(',') : []]));
    for (const i of images) {
      const key = `${i.repository}\u0000${i.digest}`;
      tags.set(key, tagsOf.get(key) ?? tagsOf.get(`${i.repository}\u0000${scannedAs.get(key)}`) ?? []);
    }
    const eks = await db.selectFrom('image_workloads').select(['image_repository', 'image_digest', 'details_group', 'workload_type', 'workload_name', 'running_count'])
      .where('account_id', '=', accountId).where(matchingImages(images)).where('cluster_arn', '=', clusterArn).where('platform', '=', 'EKS').where('running_count', '>', 0).execute();
    for (const w of eks) workloads.push({ repository: w.image_repository, digest: w.image_digest, platform: 'EKS', detailsGroup: w.details_group, kind: w.workload_type, name: w.workload_name, runningUnits: Number(w.running_count) });
    const ecs = await db.selectFrom('image_usage').select(['image_repository', 'image_digest', 'details_group', 'running_count'])
      .where('account_id', '=', accountId).where(matchingImages(images)).where('cluster_arn', '=', clusterArn).where('platform', '=', 'ECS').where('running_count', '>', 0).execute();
    for (const g of ecs) {
      // An ECS task group is `service:<name>` or `family:<name>`.
      const [kind, ...name] = g.details_group.split(':');
      workloads.push({ repository: g.image_repository, digest: g.image_digest, platform: 'ECS', detailsGroup: g.details_group, kind: kind === 'service' ? 'Service' : 'TaskFamily', name: name.join(':') || g.details_group, runningUnits: Number(g.running_count) });
    }
  }
  const details = await db.selectFrom('vulnerability_details').select('details').where('account_id', '=', accountId).where('vulnerability_id', '=', vulnerabilityId).execute();
  const related = [...new Set(details.flatMap((d) => (JSON.parse(d.details) as { relatedVulnerabilities?: string[] }).relatedVulnerabilities ?? []))].sort();
  return { carriers, tags, workloads, related };
}

/** A destination's open exposures in one account (a summary's list). */
export function openNotices(db: Kysely<Database>, accountId: string, destination: string): Promise<ExposureNoticeRow[]> {
  return db.selectFrom('exposure_notices').selectAll().where('account_id', '=', accountId).where('destination', '=', destination).where('state', '=', 'open').execute();
}
