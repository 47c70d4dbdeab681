// One page of a findings listing (ListFindings). The key of the findings table is (account, severity
// rank, id), so a listing worst first (or least severe first), ties by id, is one index range per
// severity, read in key order with a keyset cursor and stopped at the page; a listing by id alone
// reads each severity's range in id order and merges them. Conditions about images are decided once
// per image (finding-images.ts); an image filter that leaves few images reads only their id ranges.
// The page comes with its images, their runtime use and each finding's vulnerability details.
import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { FindingCriteria } from '../domain/finding-criteria.ts';
import { findingArnOf } from '../domain/finding-ids.ts';
import type { VulnerabilityInfo } from '../domain/findings.ts';
import { severities, type Severity } from '../domain/severity.ts';
import { detailsOf, shownDetails } from './details-reads.ts';
import { detailsMember, findingCondition, type FindingsBuilder } from './finding-conditions.ts';
import { imageMatches, listedImages, type ListedImage, type ListedImagesCache } from './finding-images.ts';
import type { Database, FindingRow } from './schema.ts';
import type { RunRead } from './store-reads.ts';

/**
 * `severity`: worst first (or least severe first), ties by id; `id`: by id alone (the ARN's last
 * part); `value`: by one of the finding's values, ties by id (a value it lacks sorts lowest).
 */
export type FindingOrder = { by: 'severity'; worstFirst: boolean } | { by: 'id' } | { by: 'value'; value: SortValue; descending: boolean };

export type SortValue = 'firstObservedAt' | 'lastObservedAt' | 'status' | 'vulnerabilityId' | 'accountId' | 'repositoryName' | 'vulnerabilitySource' | 'vendorSeverity' | 'inspectorScore' | 'epssScore';

/** Where a page ended: the last finding's severity rank, id (hex) and, for a `value` order, value. */
export interface FindingCursor {
  rank: number;
  id: string;
  value?: string | number;
}

export interface FindingsQuery {
  accountId: string;
  criteria: FindingCriteria;
  order: FindingOrder;
  after?: FindingCursor;
  limit: number;
}

export interface ListedFinding {
  findingArn: string;
  vulnerabilityId: string;
  packageName: string;
  packageVersion: string;
  fixedVersion?: string;
  severity: Severity;
  status: 'ACTIVE' | 'CLOSED';
  /** Epoch ms. */
  firstObservedAt: number;
  lastObservedAt: number;
  updatedAt: number;
  /** The sources whose newest report lists it. */
  sources: string[];
  filePath?: string;
  layerHash?: string;
  packageManager?: string;
  image: ListedImage;
  /** What the first listing source with details says about the vulnerability (else any source). */
  details?: VulnerabilityInfo;
  detailsSource?: string;
  cursor: FindingCursor;
}

type Row = Omit<FindingRow, 'account_id'>;

/** Images beyond which an image filter is applied to every finding read rather than by id ranges. */
const rangedImages = 64;

export async function findingsPage(db: Kysely<Database>, read: RunRead, dialect: 'sqlite' | 'postgres', q: FindingsQuery, imageCache: ListedImagesCache): Promise<{ findings: ListedFinding[]; more: boolean }> {
  if (q.criteria.otherResourceField) return { findings: [], more: false };
  // Unfiltered in key order (a collector's walk), only the page's images are read: reading every
  // image of the account for each page was half of a page's time and most of its garbage.
  const everyImage = q.criteria.conditions.length > 0 || q.order.by === 'value';
  const images = everyImage ? await imageCache.all(db, read, q.accountId) : new Map<number, ListedImage>();
  const passing = [...images.values()].filter((image) => q.criteria.conditions.every((c) => imageMatches(image, c) !== false));
  if (everyImage && passing.length === 0) return { findings: [], more: false };
  const restricted = passing.length < images.size ? passing : undefined;
  const rows = await readPage(db, read, dialect, q, images, restricted);
  const more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  const pageImages = everyImage ? images : await listedImages(db, read, q.accountId, [...new Set(page.map((r) => Number(r.image_id)))]);
  const details = await detailsOf(db, read, q.accountId, [...new Set(page.map((r) => r.vulnerability_id))]);
  return { findings: page.map((r) => listed(r, pageImages.get(Number(r.image_id))!, details.get(r.vulnerability_id))), more };
}

/** One index range of the listing: a severity's findings, or one image's among them, read in id order. */
interface Segment {
  rank: number;
  image?: ListedImage;
}

/** Up to limit + 1 rows after the cursor, in the listing's order. */
async function readPage(db: Kysely<Database>, read: RunRead, dialect: 'sqlite' | 'postgres', q: FindingsQuery, images: Map<number, ListedImage>, restricted: ListedImage[] | undefined): Promise<Row[]> {
  const want = q.limit + 1;
  if (q.order.by === 'value') return valueRead(db, read, dialect, q, images, restricted, want);
  const afterId = q.after ? Buffer.from(q.after.id, 'hex') : undefined;
  // A few images: each one's id range under each severity, in id order (an image's ids share its
  // prefix, so images in prefix order are in id order). Many: every range, the image ids filtered.
  const ranged = restricted && restricted.length <= rangedImages ? [...restricted].sort((a, b) => Buffer.compare(a.ids.prefix, b.ids.prefix)) : undefined;
  const filtered = restricted && !ranged ? restricted : undefined;
  const segmentRead = (segment: Segment, after: Buffer | undefined, limit: number): Promise<Row[]> => {
    const range = segment.image?.ids.range();
    if (range && after && Buffer.compare(range.high, after) <= 0) return Promise.resolve([]);
    return read<Row>(db
      .selectFrom('findings as f')
      .selectAll('f')
      .where('f.account_id', '=', q.accountId)
      .where('f.severity_rank', '=', segment.rank)
      .$if(range !== undefined, (qb) => qb.where('f.finding_id', '>=', range!.low).where('f.finding_id', '<=', range!.high).where('f.image_id', '=', segment.image!.imageId))
      .$if(after !== undefined, (qb) => qb.where('f.finding_id', '>', after!))
      .where((eb) => {
        const parts: Expression<SqlBool>[] = [];
        for (const c of q.criteria.conditions) {
          const condition = findingCondition(eb, c, { dialect, images });
          if (condition) parts.push(condition);
        }
        if (filtered) parts.push(eb('f.image_id', 'in', filtered.map((i) => i.imageId)));
        return eb.and(parts);
      })
      .orderBy('f.finding_id')
      .limit(limit)
      .compile());
  };
  const ranks = severities.map((_, rank) => rank);
  const rows: Row[] = [];
  if (q.order.by === 'severity') {
    const order = q.order.worstFirst ? ranks : [...ranks].reverse();
    for (const rank of order) {
      if (q.after && (q.order.worstFirst ? rank < q.after.rank : rank > q.after.rank)) continue;
      for (const image of ranged ?? [undefined]) {
        rows.push(...(await segmentRead({ rank, image }, q.after?.rank === rank ? afterId : undefined, want - rows.length)));
        if (rows.length >= want) return rows;
      }
    }
    return rows;
  }
  // By id: the six severities' ranges merged (of each image in turn, when there are few).
  for (const image of ranged ?? [undefined]) {
    const merged = (await Promise.all(ranks.map((rank) => segmentRead({ rank, image }, afterId, want - rows.length)))).flat();
    rows.push(...merged.sort((a, b) => Buffer.compare(a.finding_id, b.finding_id)).slice(0, want - rows.length));
    if (rows.length >= want) break;
  }
  return rows;
}

/**
 * A `value` order: every finding that passes is sorted by the database (no index serves these
 * orders), then cut at the page; the keyset cursor is (value, id).
 */
async function valueRead(db: Kysely<Database>, read: RunRead, dialect: 'sqlite' | 'postgres', q: FindingsQuery, images: Map<number, ListedImage>, restricted: ListedImage[] | undefined, want: number): Promise<Row[]> {
  const order = q.order as Extract<FindingOrder, { by: 'value' }>;
  const value = sortValue(order.value, dialect);
  const rows = await read<Row & { sort_value: string | number }>(db
    .selectFrom('findings as f')
    .innerJoin('scanned_images as i', (join) => join.onRef('i.account_id', '=', 'f.account_id').onRef('i.image_id', '=', 'f.image_id'))
    .selectAll('f')
    .select(value.as('sort_value'))
    .where('f.account_id', '=', q.accountId)
    .where((eb) => {
      const parts: Expression<SqlBool>[] = [];
      for (const c of q.criteria.conditions) {
        const condition = findingCondition(eb as unknown as FindingsBuilder, c, { dialect, images });
        if (condition) parts.push(condition);
      }
      if (restricted) parts.push(eb('f.image_id', 'in', restricted.map((i) => i.imageId)));
      if (q.after?.value !== undefined) {
        const after = q.after.value;
        const id = Buffer.from(q.after.id, 'hex');
        parts.push(eb.or([eb(value, order.descending ? '<' : '>', after), eb.and([eb(value, '=', after), eb('f.finding_id', '>', id)])]));
      }
      return eb.and(parts);
    })
    .orderBy(value, order.descending ? 'desc' : 'asc')
    .orderBy('f.finding_id')
    .limit(want)
    .compile());
  return rows;
}

/** The SQL of a sort value, never null: a missing number is -1, a missing text ''. */
function sortValue(value: SortValue, dialect: 'sqlite' | 'postgres'): RawBuilder<string | number> {
  const position = dialect === 'sqlite' ? 'instr' : 'strpos';
  // Of the vulnerability's sources, the highest score and the first text.
  const details = (path: string, number: boolean) => {
    const member = number ? detailsMember(dialect, sql.ref('d.details'), path, 'number') : detailsMember(dialect, sql.ref('d.details'), path, 'text');
    return sql`(select ${sql.raw(number ? 'max' : 'min')}(${member}) from vulnerability_details d where d.account_id = f.account_id and d.vulnerability_id = f.vulnerability_id)`;
  };
  switch (value) {
    case 'firstObservedAt':
      return sql`f.first_observed_at`;
    case 'lastObservedAt':
      return sql`f.last_observed_at`;
    case 'status':
      return sql`case when f.active = 1 then 'ACTIVE' else 'CLOSED' end`;
    case 'vulnerabilityId':
      return sql`f.vulnerability_id`;
    case 'accountId':
      return sql`substr(i.image_repository, ${sql.raw(position)}(i.image_repository, ':repository/') - 12, 12)`;
    case 'repositoryName':
      return sql`substr(i.image_repository, ${sql.raw(position)}(i.image_repository, ':repository/') + 12)`;
    case 'vulnerabilitySource':
      return sql`coalesce(${details('$.source', false)}, '')`;
    case 'vendorSeverity':
      return sql`coalesce(${details('$.vendorSeverity', false)}, '')`;
    case 'inspectorScore':
      return sql`coalesce(${details('$.primaryCvss.baseScore', true)}, -1)`;
    case 'epssScore':
      return sql`coalesce(${details('$.epss', true)}, -1)`;
  }
}

function listed(r: Row, image: ListedImage, details: Map<string, string> | undefined): ListedFinding {
  const sources = r.sources ? r.sources.split(',') : [];
  const shown = shownDetails(details, sources);
  const id = Buffer.from(r.finding_id).toString('hex');
  const layerHash = r.layer_index === null ? undefined : image.layers[Number(r.layer_index)];
  return {
    findingArn: r.finding_arn ?? findingArnOf(image.repository, r.finding_id),
    vulnerabilityId: r.vulnerability_id,
    packageName: r.package_name,
    packageVersion: r.package_version,
    ...(r.fixed_version !== null && { fixedVersion: r.fixed_version }),
    severity: severities[Number(r.severity_rank)]!,
    status: Number(r.active) === 1 ? 'ACTIVE' : 'CLOSED',
    firstObservedAt: Number(r.first_observed_at),
    lastObservedAt: Number(r.last_observed_at),
    updatedAt: Number(r.updated_at),
    sources,
    ...(r.file_path !== null && { filePath: r.file_path }),
    ...(layerHash !== undefined && { layerHash }),
    ...(r.package_manager !== null && { packageManager: r.package_manager }),
    image,
    ...(shown && { details: shown.details, detailsSource: shown.source }),
    cursor: { rank: Number(r.severity_rank), id, ...('sort_value' in r && { value: (r as { sort_value: string | number }).sort_value }) },
  };
}

