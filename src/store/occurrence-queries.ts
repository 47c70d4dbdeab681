// The account's open findings as Inspector2's aggregations count them (by package, title, layer):
// only the narrow columns each grouping needs, read for the images whose findings changed since the
// caller last read them (read-models/occurrences.ts), or for all of them at once the first time.
import { sql, type Kysely } from 'kysely';
import { FindingIds } from '../domain/finding-ids.ts';
import type { ImageKey } from '../domain/images.ts';
import { exploitKnown } from './finding-conditions.ts';
import type { Database } from './schema.ts';
import { severityRanks } from './severity-columns.ts';
import type { RunRead } from './store-reads.ts';

export interface OccurrenceRow {
  image_id: number;
  vulnerability_id: string;
  package_name: string;
  severity_rank: number;
  /** 1 when a listing source names a fixed version. */
  fixable: number;
  layer_index: number | null;
}

export class OccurrenceQueries {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  /** The open findings of these images (every image's when `images` is absent). */
  async occurrences(read: RunRead, accountId: string, images?: (ImageKey & { imageId: number })[]): Promise<OccurrenceRow[]> {
    const base = this.db
      .selectFrom('findings')
      .select(['image_id', 'vulnerability_id', 'package_name', 'severity_rank', 'layer_index'])
      .select(sql<number>`case when fixed_version is null then 0 else 1 end`.as('fixable'))
      .where('account_id', '=', accountId)
      .where('active', '=', 1);
    if (images === undefined) return read<OccurrenceRow>(base.compile());
    const out: OccurrenceRow[] = [];
    for (const image of images) {
      // An image's findings are one id range per severity (finding-ids.ts).
      const { low, high } = new FindingIds(image).range();
      const rows = await read<OccurrenceRow>(base.where('severity_rank', 'in', severityRanks).where('finding_id', '>=', low).where('finding_id', '<=', high).where('image_id', '=', image.imageId).compile());
      for (const row of rows) out.push(row);
    }
    return out;
  }

  /** The vulnerabilities some source's details call exploited (known exploited, or an exploit observed). */
  async exploited(read: RunRead, accountId: string): Promise<string[]> {
    const rows = await read<{ vulnerability_id: string }>(this.db
      .selectFrom('vulnerability_details as d')
      .select('d.vulnerability_id')
      .distinct()
      .where('d.account_id', '=', accountId)
      .where(exploitKnown(this.dialect, sql.ref('d.details')))
      .compile());
    return rows.map((r) => r.vulnerability_id);
  }
}
