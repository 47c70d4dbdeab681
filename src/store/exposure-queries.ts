// The reads of the console's exposure of one vulnerability beyond the per-image rollups: the
// vulnerability's packages in the images of a page (findings_by_vulnerability, an index range)
// and those images' stops of the last day (by key). The cost follows the page, never the store.
import { sql, type Kysely } from 'kysely';
import { placeholder, PreparedQueries } from './prepared-query.ts';
import type { Database } from './schema.ts';
import { severityName } from './severity-columns.ts';
import type { RunRead } from './store-reads.ts';
import type { ImageKey } from '../domain/images.ts';
import type { ExposedPackage } from './store.ts';
import { chunks } from './transactions.ts';

/** Images per statement: a bounded set of statement shapes, and expressions SQLite parses. */
const imagesPerStatement = 100;

type PackageRow = { image_id: number; sources: string; package_name: string; package_version: string; fixed_version: string | null; severity: string };

export class ExposureQueries {
  private readonly stops: PreparedQueries<{ images: number }, Record<string, unknown>>;
  private readonly packages: PreparedQueries<{ images: number }, Record<string, unknown>>;

  constructor(db: Kysely<Database>) {
    // `stopped_at + 0`: a range of each image's stops by key, not of every stop of the day by time.
    this.stops = new PreparedQueries(db, (db, shape) =>
      db
        .selectFrom('image_stops')
        .select(['image_repository', 'image_digest', (eb) => eb.fn.count<number>('unit_id').distinct().as('stopped_units')])
        .where('account_id', '=', placeholder<string>('accountId'))
        .where((eb) => eb.or(Array.from({ length: shape.images }, (_, i) => eb.and([eb('image_repository', '=', placeholder<string>(`repository${i}`)), eb('image_digest', '=', placeholder<string>(`digest${i}`))]))))
        .where(sql<number>`stopped_at + 0`, '>=', placeholder<number>('stoppedSince'))
        .groupBy(['image_repository', 'image_digest']),
    );
    this.packages = new PreparedQueries(db, (db, shape) =>
      db
        .selectFrom('findings')
        .select(['image_id', 'sources', 'package_name', 'package_version', 'fixed_version', severityName()])
        .where('account_id', '=', placeholder<string>('accountId'))
        .where('vulnerability_id', '=', placeholder<string>('vulnerabilityId'))
        .where('active', '=', 1)
        .where('image_id', 'in', Array.from({ length: shape.images }, (_, i) => placeholder<number>(`image${i}`)))
        .orderBy('image_id')
        .orderBy('package_name')
        .orderBy('package_version'),
    );
  }

  /** Units of these images stopped since `since` (epoch ms), by `repository\0digest`. */
  async stoppedUnits(read: RunRead, accountId: string, images: ImageKey[], since: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const chunk of chunks(images, imagesPerStatement)) {
      const values: Record<string, unknown> = { accountId, stoppedSince: since };
      chunk.forEach((image, i) => Object.assign(values, { [`repository${i}`]: image.repository, [`digest${i}`]: image.digest }));
      for (const r of await read<{ image_repository: string; image_digest: string; stopped_units: number }>(this.stops.with({ images: chunk.length }, values))) {
        out.set(`${r.image_repository}\u0000${r.image_digest}`, Number(r.stopped_units));
      }
    }
    return out;
  }

  /** The vulnerability's packages in each of these images (a page's). */
  async packagesOf(read: RunRead, q: { accountId: string; vulnerabilityId: string }, imageIds: number[]): Promise<Map<number, ExposedPackage[]>> {
    const byImage = new Map<number, ExposedPackage[]>(imageIds.map((id) => [id, []]));
    for (const chunk of chunks(imageIds, imagesPerStatement)) {
      const values: Record<string, unknown> = { accountId: q.accountId, vulnerabilityId: q.vulnerabilityId };
      chunk.forEach((id, i) => (values[`image${i}`] = id));
      for (const r of await read<PackageRow>(this.packages.with({ images: chunk.length }, values))) {
        byImage.get(Number(r.image_id))?.push({ source: r.sources.split(',').join(', '), packageName: r.package_name, installedVersion: r.package_version, fixedVersion: r.fixed_version ?? undefined, severity: r.severity });
      }
    }
    return byImage;
  }
}
