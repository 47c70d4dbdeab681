// The console's exposure of one vulnerability: the images whose active findings name it, with their
// packages and where they run. Every read is an index range: the vulnerability's findings by image
// (image_findings_by_vulnerability), each image's row by id, and its runtime-use rows by repository
// and digest (image_usage, image_stops), so the cost follows the images that carry the vulnerability,
// never the size of the store.
import { sql, type Kysely } from 'kysely';
import { placeholder, PreparedQueries, PreparedQuery } from './prepared-query.ts';
import type { Database } from './schema.ts';
import type { RunRead } from './store-reads.ts';
import { worstOf, type Severity } from '../ingest/findings/severity.ts';
import type { ExposedImage, ExposedPackage, ExposureQuery, ExposureSummary } from './store.ts';

const dayMs = 24 * 60 * 60 * 1000;

type ImageRow = {
  image_id: number;
  image_repository: string;
  image_digest: string;
  image_pipeline_arn: string | null;
  image_build_version_arn: string | null;
  running_units: number | null;
  last_in_use: number | null;
  stopped_units: number;
  clusters: number;
};

type PackageRow = { image_id: number; source: string; package_name: string; package_version: string; fixed_version: string | null; severity: string };

/** Running units first, then the most recently used, then the oldest image: the order pages follow. */
export function exposureOrder(a: ExposedImageKey, b: ExposedImageKey): number {
  return b.runningUnits - a.runningUnits || b.lastInUse - a.lastInUse || a.imageId - b.imageId;
}

export type ExposedImageKey = Pick<ExposedImage, 'runningUnits' | 'lastInUse' | 'imageId'>;

export class ExposureQueries {
  private readonly images: PreparedQuery<Record<string, unknown>>;
  private readonly packages: PreparedQueries<{ images: number }, Record<string, unknown>>;
  private readonly clusters: PreparedQuery<Record<string, unknown>>;
  private readonly severities: PreparedQuery<Record<string, unknown>>;

  constructor(db: Kysely<Database>) {
    const usage = (column: 'running_count' | 'last_in_use', fn: 'sum' | 'max') =>
      sql<number | null>`(select ${sql.raw(fn)}(u.${sql.ref(column)}) from image_usage u where u.account_id = si.account_id and u.image_repository = si.image_repository and u.image_digest = si.image_digest)`;
    this.images = new PreparedQuery(db, (db) =>
      db
        .selectFrom('scanned_images as si')
        .where('si.account_id', '=', placeholder<string>('accountId'))
        .where('si.image_id', 'in', (eb) =>
          eb.selectFrom('image_findings').select('image_id').distinct().where('account_id', '=', placeholder<string>('accountId')).where('vulnerability_id', '=', placeholder<string>('vulnerabilityId')).where('active', '=', 1),
        )
        .select(['si.image_id', 'si.image_repository', 'si.image_digest', 'si.image_pipeline_arn', 'si.image_build_version_arn'])
        .select(usage('running_count', 'sum').as('running_units'))
        .select(usage('last_in_use', 'max').as('last_in_use'))
        .select(sql<number>`(select count(distinct s.unit_id) from image_stops s where s.account_id = si.account_id and s.image_repository = si.image_repository and s.image_digest = si.image_digest and s.stopped_at >= ${placeholder<number>('stoppedSince')})`.as('stopped_units'))
        .select(sql<number>`(select count(distinct u.cluster_arn) from image_usage u where u.account_id = si.account_id and u.image_repository = si.image_repository and u.image_digest = si.image_digest and u.running_count > 0)`.as('clusters')),
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
    // Clusters running any image that carries the vulnerability: one more pass over the same ranges.
    this.clusters = new PreparedQuery(db, (db) =>
      db
        .selectFrom('image_usage as u')
        .innerJoin('scanned_images as si', (join) => join.onRef('si.account_id', '=', 'u.account_id').onRef('si.image_repository', '=', 'u.image_repository').onRef('si.image_digest', '=', 'u.image_digest'))
        .where('u.account_id', '=', placeholder<string>('accountId'))
        .where('u.running_count', '>', 0)
        .where('si.image_id', 'in', (eb) =>
          eb.selectFrom('image_findings').select('image_id').distinct().where('account_id', '=', placeholder<string>('accountId')).where('vulnerability_id', '=', placeholder<string>('vulnerabilityId')).where('active', '=', 1),
        )
        .select((eb) => eb.fn.count<number>('u.cluster_arn').distinct().as('clusters')),
    );
    this.severities = new PreparedQuery(db, (db) =>
      db
        .selectFrom('image_findings')
        .select(['severity', (eb) => eb.fn.countAll<number>().as('occurrences'), (eb) => eb.fn.count<number>('fixed_version').as('fixable')])
        .where('account_id', '=', placeholder<string>('accountId'))
        .where('vulnerability_id', '=', placeholder<string>('vulnerabilityId'))
        .where('active', '=', 1)
        .groupBy('severity'),
    );
  }

  /** Every image carrying the vulnerability, in exposure order, with what runs it (no packages yet). */
  async exposedImages(read: RunRead, q: ExposureQuery): Promise<{ images: ExposedImage[]; summary: ExposureSummary }> {
    const values = { accountId: q.accountId, vulnerabilityId: q.vulnerabilityId, stoppedSince: q.now - dayMs };
    const [rows, [clusters], severities] = await Promise.all([
      read<ImageRow>(this.images.with(values)),
      read<{ clusters: number }>(this.clusters.with(values)),
      read<{ severity: string; occurrences: number; fixable: number }>(this.severities.with(values)),
    ]);
    const images = rows.map(toExposedImage).sort(exposureOrder);
    const running = images.filter((i) => i.runningUnits > 0);
    return {
      images,
      summary: {
        severity: worstSeverity(severities.map((s) => s.severity as Severity)),
        occurrences: severities.reduce((n, s) => n + Number(s.occurrences), 0),
        fixableOccurrences: severities.reduce((n, s) => n + Number(s.fixable), 0),
        images: images.length,
        runningImages: running.length,
        runningUnits: running.reduce((n, i) => n + i.runningUnits, 0),
        clusters: Number(clusters?.clusters ?? 0),
      },
    };
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
    runningUnits: Number(r.running_units ?? 0),
    stoppedUnits: Number(r.stopped_units),
    lastInUse: Number(r.last_in_use ?? 0),
    clusters: Number(r.clusters),
  };
}

function worstSeverity(severities: Severity[]): Severity | undefined {
  return severities.length === 0 ? undefined : severities.reduce(worstOf);
}
