// The console's exposure of one vulnerability: the images whose active findings name it, with their
// packages and how they run. Every read is an index range or a key: the vulnerability's findings by
// image (image_findings_by_vulnerability), each image's row by id and its runtime summary by key
// (image_runtime), its stops of the last day by key, and the vulnerability's rollup row. The cost
// follows the images that carry the vulnerability, never the size of the store.
import { sql, type Kysely } from 'kysely';
import { placeholder, PreparedQueries, PreparedQuery } from './prepared-query.ts';
import type { Database } from './schema.ts';
import type { RunRead } from './store-reads.ts';
import type { ExposedImage, ExposedPackage, ExposureQuery } from './store.ts';

const dayMs = 24 * 60 * 60 * 1000;

type ImageRow = {
  image_id: number;
  image_repository: string;
  image_digest: string;
  image_pipeline_arn: string | null;
  image_build_version_arn: string | null;
  image_tags: string;
  running_count: number | null;
  last_in_use: number | null;
  running_clusters: number | null;
  stopped_units: number;
};

type PackageRow = { image_id: number; source: string; package_name: string; package_version: string; fixed_version: string | null; severity: string };

export type ExposedImageKey = Pick<ExposedImage, 'runningUnits' | 'lastInUse' | 'imageId'>;

/** Running units first, then the most recently used, then the oldest image: the order pages follow. */
export function exposureOrder(a: ExposedImageKey, b: ExposedImageKey): number {
  return b.runningUnits - a.runningUnits || b.lastInUse - a.lastInUse || a.imageId - b.imageId;
}

export class ExposureQueries {
  private readonly images: PreparedQuery<Record<string, unknown>>;
  private readonly packages: PreparedQueries<{ images: number }, Record<string, unknown>>;

  constructor(db: Kysely<Database>) {
    this.images = new PreparedQuery(db, (db) =>
      db
        .selectFrom('scanned_images as si')
        .leftJoin('image_runtime as r', (join) => join.onRef('r.account_id', '=', 'si.account_id').onRef('r.image_repository', '=', 'si.image_repository').onRef('r.image_digest', '=', 'si.image_digest'))
        .where('si.account_id', '=', placeholder<string>('accountId'))
        .where('si.image_id', 'in', (eb) =>
          eb.selectFrom('image_findings').select('image_id').distinct().where('account_id', '=', placeholder<string>('accountId')).where('vulnerability_id', '=', placeholder<string>('vulnerabilityId')).where('active', '=', 1),
        )
        .select(['si.image_id', 'si.image_repository', 'si.image_digest', 'si.image_pipeline_arn', 'si.image_build_version_arn', 'si.image_tags', 'r.running_count', 'r.last_in_use', 'r.running_clusters'])
        // `stopped_at + 0`: a range of this image's stops by key, not of every stop of the day by time.
        .select(sql<number>`(select count(distinct s.unit_id) from image_stops s where s.account_id = si.account_id and s.image_repository = si.image_repository and s.image_digest = si.image_digest and s.stopped_at + 0 >= ${placeholder<number>('stoppedSince')})`.as('stopped_units')),
    );
    this.packages = new PreparedQueries(db, (db, shape) =>
      db
        .selectFrom('image_findings')
        .select(['image_id', 'source', 'package_name', 'package_version', 'fixed_version', 'severity'])
        .where('account_id', '=', placeholder<string>('accountId'))
        .where('vulnerability_id', '=', placeholder<string>('vulnerabilityId'))
        .where('active', '=', 1)
        .where('image_id', 'in', Array.from({ length: shape.images }, (_, i) => placeholder<number>(`image${i}`)))
        .orderBy('image_id')
        .orderBy('package_name')
        .orderBy('package_version'),
    );
  }

  /** Every image carrying the vulnerability, in exposure order, with how it runs (no packages yet). */
  async exposedImages(read: RunRead, q: ExposureQuery): Promise<ExposedImage[]> {
    const rows = await read<ImageRow>(this.images.with({ accountId: q.accountId, vulnerabilityId: q.vulnerabilityId, stoppedSince: q.now - dayMs }));
    return rows.map(toExposedImage).sort(exposureOrder);
  }

  /** The vulnerability's packages in each of these images (a page's). */
  async packagesOf(read: RunRead, q: Pick<ExposureQuery, 'accountId' | 'vulnerabilityId'>, imageIds: number[]): Promise<Map<number, ExposedPackage[]>> {
    const byImage = new Map<number, ExposedPackage[]>(imageIds.map((id) => [id, []]));
    if (imageIds.length === 0) return byImage;
    const values: Record<string, unknown> = { accountId: q.accountId, vulnerabilityId: q.vulnerabilityId };
    imageIds.forEach((id, i) => (values[`image${i}`] = id));
    for (const r of await read<PackageRow>(this.packages.with({ images: imageIds.length }, values))) {
      byImage.get(Number(r.image_id))?.push({ source: r.source, packageName: r.package_name, installedVersion: r.package_version, fixedVersion: r.fixed_version ?? undefined, severity: r.severity });
    }
    return byImage;
  }
}

function toExposedImage(r: ImageRow): ExposedImage {
  return {
    imageId: Number(r.image_id),
    repository: r.image_repository,
    digest: r.image_digest,
    imagePipelineArn: r.image_pipeline_arn ?? undefined,
    imageBuildVersionArn: r.image_build_version_arn ?? undefined,
    tags: r.image_tags ? r.image_tags.split(',') : [],
    runningUnits: Number(r.running_count ?? 0),
    stoppedUnits: Number(r.stopped_units),
    lastInUse: Number(r.last_in_use ?? 0),
    clusters: Number(r.running_clusters ?? 0),
  };
}
