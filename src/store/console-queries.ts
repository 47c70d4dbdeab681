// The console's reads, each one range by the account's key (or a few keys): the scanned images with
// their summaries (counts and revision), the images' runtime rows (with their revision), the
// vulnerability and cluster lists of the images a reader has not parsed yet, one image's findings, the daily
// snapshots, and each source's last ingest. Nothing here reads findings beyond one image's.
import type { Kysely } from 'kysely';
import type { ImageKey } from '../domain/images.ts';
import type { ImageSummaryCounts } from './image-summaries.ts';
import { FindingIds } from '../domain/finding-ids.ts';
import { severityName, severityRanks } from './severity-columns.ts';
import type { Database, FindingRow, ImageDigestLinkRow, ImageRuntimeRow, SeveritySnapshotRow, SourceActivityRow } from './schema.ts';
import type { RunRead } from './store-reads.ts';
import { chunks } from './transactions.ts';

export interface ConsoleImageRow extends ImageSummaryCounts {
  image_id: number;
  image_repository: string;
  image_digest: string;
  image_pipeline_arn: string | null;
  image_build_version_arn: string | null;
  image_tags: string;
  /** Comma-separated, as scanned_images keeps them. */
  layer_hashes: string;
  /** Null for an image whose findings were never counted (none can be: every scanned image has one). */
  revision: number | null;
  /** Its newest report of any source (epoch ms); null when none is recorded. */
  last_scanned_at: number | null;
}

export type ConsoleRuntimeRow = Omit<ImageRuntimeRow, 'account_id'>;

export type ConsoleFindingRow = Pick<FindingRow, 'sources' | 'vulnerability_id' | 'package_name' | 'package_version' | 'fixed_version' | 'last_observed_at'> & { severity: string };

/** Vulnerability lists fetched per statement (a fixed set of statement shapes). */
const idsPerStatement = 100;

export class ConsoleQueries {
  constructor(private readonly db: Kysely<Database>) {}

  images(read: RunRead, accountId: string): Promise<ConsoleImageRow[]> {
    return read<ConsoleImageRow>(this.db
      .selectFrom('scanned_images as si')
      .leftJoin('image_finding_summaries as s', (join) => join.onRef('s.account_id', '=', 'si.account_id').onRef('s.image_id', '=', 'si.image_id'))
      .select(['si.image_id', 'si.image_repository', 'si.image_digest', 'si.image_pipeline_arn', 'si.image_build_version_arn', 'si.image_tags', 'si.layer_hashes', 's.revision'])
      .select(['s.count_all', 's.count_critical', 's.count_high', 's.count_medium', 's.count_low', 's.count_informational', 's.count_untriaged'])
      .select(['s.fixable_all', 's.fixable_critical', 's.fixable_high', 's.vulnerability_count'])
      .select((eb) => eb.selectFrom('image_reports as r').select((r) => r.fn.max('r.report_time').as('newest'))
        .whereRef('r.account_id', '=', 'si.account_id').whereRef('r.image_id', '=', 'si.image_id').as('last_scanned_at'))
      .where('si.account_id', '=', accountId)
      .compile());
  }

  async version(read: RunRead, accountId: string): Promise<number> {
    const [row] = await read<{ version: number }>(this.db.selectFrom('console_versions').select('version').where('account_id', '=', accountId).compile());
    return Number(row?.version ?? 0);
  }

  links(read: RunRead, accountId: string): Promise<Omit<ImageDigestLinkRow, 'account_id'>[]> {
    return read<Omit<ImageDigestLinkRow, 'account_id'>>(this.db.selectFrom('image_digest_links').select(['image_repository', 'linked_digest', 'image_digest']).where('account_id', '=', accountId).compile());
  }

  runtime(read: RunRead, accountId: string): Promise<ConsoleRuntimeRow[]> {
    return read<ConsoleRuntimeRow>(this.db
      .selectFrom('image_runtime')
      .select(['image_repository', 'image_digest', 'running_count', 'last_in_use', 'running_clusters', 'revision'])
      .where('account_id', '=', accountId)
      .compile());
  }

  /** The vulnerability lists of these images (every image of the account when `imageIds` is absent). */
  async vulnerabilityLists(read: RunRead, accountId: string, imageIds?: number[]): Promise<Map<number, { revision: number; vulnerabilities: string }>> {
    const out = new Map<number, { revision: number; vulnerabilities: string }>();
    const base = this.db.selectFrom('image_vulnerability_lists').select(['image_id', 'revision', 'vulnerabilities']).where('account_id', '=', accountId);
    const statements = imageIds === undefined ? [base] : chunks(imageIds, idsPerStatement).map((ids) => base.where('image_id', 'in', ids));
    for (const statement of statements) {
      for (const r of await read<{ image_id: number; revision: number; vulnerabilities: string }>(statement.compile())) {
        out.set(Number(r.image_id), { revision: Number(r.revision), vulnerabilities: r.vulnerabilities });
      }
    }
    return out;
  }

  /** The cluster lists of these images (every image's when `images` is absent), by `repository\0digest`. */
  async clusterLists(read: RunRead, accountId: string, images?: ImageKey[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const base = this.db.selectFrom('image_cluster_lists').select(['image_repository', 'image_digest', 'running_cluster_units']).where('account_id', '=', accountId);
    const statements = images === undefined ? [base] : chunks(images, idsPerStatement).map((keys) =>
      base.where((eb) => eb.or(keys.map((k) => eb.and([eb('image_repository', '=', k.repository), eb('image_digest', '=', k.digest)])))));
    for (const statement of statements) {
      for (const r of await read<{ image_repository: string; image_digest: string; running_cluster_units: string }>(statement.compile())) {
        out.set(`${r.image_repository}\u0000${r.image_digest}`, r.running_cluster_units);
      }
    }
    return out;
  }

  imageFindings(read: RunRead, accountId: string, image: ImageKey & { imageId: number }): Promise<ConsoleFindingRow[]> {
    const { low, high } = new FindingIds(image).range();
    return read<ConsoleFindingRow>(this.db
      .selectFrom('findings')
      .select(['sources', 'vulnerability_id', 'package_name', 'package_version', 'fixed_version', severityName(), 'last_observed_at'])
      .where('account_id', '=', accountId)
      .where('severity_rank', 'in', severityRanks)
      .where('finding_id', '>=', low)
      .where('finding_id', '<=', high)
      .where('image_id', '=', image.imageId)
      .where('active', '=', 1)
      .compile());
  }

  severitySnapshots(read: RunRead, accountId: string, fromDay: string): Promise<SeveritySnapshotRow[]> {
    return read<SeveritySnapshotRow>(this.db.selectFrom('severity_snapshots').selectAll().where('account_id', '=', accountId).where('day', '>=', fromDay).orderBy('day').compile());
  }

  sourceActivity(read: RunRead, accountId: string): Promise<Omit<SourceActivityRow, 'account_id'>[]> {
    return read<Omit<SourceActivityRow, 'account_id'>>(this.db.selectFrom('source_activity').select(['source', 'last_ingest_at']).where('account_id', '=', accountId).orderBy('source').compile());
  }
}
