// GetClustersForImage's reads, from the runtime-use rollups kept at ingest (image-usage.ts): a keyset
// page of cluster ARNs, then the page's details groups, their stops of the last 24 hours and their
// workloads. The cost follows the clusters and groups on the page, not the units that run the image.
// Every query is prepared once per shape (prepared-query.ts).
import type { ExpressionBuilder, Kysely } from 'kysely';
import { placeholder, PreparedQueries } from './prepared-query.ts';
import type { Database } from './schema.ts';
import type { ClusterUsage, ClustersForImageQuery, ClustersPage, DetailsUsage } from './store.ts';
import type { RunRead } from './store-reads.ts';

const dayMs = 24 * 60 * 60 * 1000;
/** The model caps clusterDetails and workloadInfoList at 100 entries each. */
const maxListEntries = 100;

type GroupTable = 'image_usage' | 'image_stops' | 'image_workloads';
type GroupRow = { cluster_arn: string; platform: string; details_group: string; task_definition_arn: string };

/** Whether the query names one digest, and (for the page of clusters) continues after a cursor. */
interface Shape {
  digest: boolean;
  after?: boolean;
}

/**
 * Rows of the image (or of every image of the repository), in the clusters from `first` to `last`:
 * a page is a contiguous run of cluster ARNs, so one range on the primary key reads it.
 */
function ofImage(shape: Shape, range: boolean) {
  return (eb: ExpressionBuilder<Database, GroupTable>) =>
    eb.and([
      eb('account_id', '=', placeholder<string>('accountId')),
      eb('image_repository', '=', placeholder<string>('repository')),
      ...(shape.digest ? [eb('image_digest', '=', placeholder<string>('digest'))] : []),
      ...(range ? [eb('cluster_arn', '>=', placeholder<string>('first')), eb('cluster_arn', '<=', placeholder<string>('last'))] : []),
    ]);
}

/** Groups and workloads with running units, or used within the retention window. */
function inUse(eb: ExpressionBuilder<Database, 'image_usage' | 'image_workloads'>) {
  return eb.or([eb('running_count', '>', 0), eb('last_in_use', '>=', placeholder<number>('usedSince'))]);
}

const groupColumns = ['cluster_arn', 'platform', 'details_group', 'task_definition_arn'] as const;

export class RuntimeQueries {
  private readonly clusterPage: PreparedQueries<Shape, Record<string, unknown>>;
  private readonly groups: PreparedQueries<Shape, Record<string, unknown>>;
  private readonly stops: PreparedQueries<Shape, Record<string, unknown>>;
  private readonly workloads: PreparedQueries<Shape, Record<string, unknown>>;

  constructor(db: Kysely<Database>) {
    this.clusterPage = new PreparedQueries(db, (db, shape) => {
      const page = db.selectFrom('image_usage').where(ofImage(shape, false)).where(inUse).select('cluster_arn').distinct().orderBy('cluster_arn').limit(placeholder<number>('limit'));
      return shape.after ? page.where('cluster_arn', '>', placeholder<string>('after')) : page;
    });
    this.groups = new PreparedQueries(db, (db, shape) => db.selectFrom('image_usage').select([...groupColumns, 'running_count', 'last_in_use']).where(ofImage(shape, true)).where(inUse));
    // Counted by the database: a busy service stops many units a day, and the answer needs the count.
    this.stops = new PreparedQueries(db, (db, shape) =>
      db.selectFrom('image_stops').select([...groupColumns, (eb) => eb.fn.count<number>('unit_id').distinct().as('stopped')]).where(ofImage(shape, true))
        .where('stopped_at', '>=', placeholder<number>('stoppedSince')).groupBy([...groupColumns]));
    this.workloads = new PreparedQueries(db, (db, shape) => db.selectFrom('image_workloads').select([...groupColumns, 'workload_type', 'workload_name']).where(ofImage(shape, true)).where(inUse));
  }

  async page(read: RunRead, q: ClustersForImageQuery): Promise<ClustersPage> {
    const shape: Shape = { digest: q.digest !== undefined };
    const values: Record<string, unknown> = { accountId: q.accountId, repository: q.repository, digest: q.digest, usedSince: q.now - q.retentionMs, stoppedSince: q.now - dayMs };
    const arns = (await read<{ cluster_arn: string }>(this.clusterPage.with({ ...shape, after: q.afterClusterArn !== undefined }, { ...values, after: q.afterClusterArn, limit: q.limit + 1 }))).map((r) => r.cluster_arn);
    const more = arns.length > q.limit;
    const pageArns = arns.slice(0, q.limit);
    if (pageArns.length === 0) return { clusters: [], more: false };
    Object.assign(values, { first: pageArns[0], last: pageArns.at(-1) });
    const [groups, stops, workloads] = await Promise.all([
      read<GroupRow & { running_count: number; last_in_use: number }>(this.groups.with(shape, values)),
      read<GroupRow & { stopped: number }>(this.stops.with(shape, values)),
      read<GroupRow & { workload_type: string; workload_name: string }>(this.workloads.with(shape, values)),
    ]);
    return { clusters: assemble(pageArns, groups, stops, workloads), more };
  }
}

function assemble(
  pageArns: string[],
  groups: (GroupRow & { running_count: number; last_in_use: number })[],
  stops: (GroupRow & { stopped: number })[],
  workloads: (GroupRow & { workload_type: string; workload_name: string })[],
): ClusterUsage[] {
  const keyOf = (r: GroupRow) => `${r.cluster_arn}\u0000${r.platform}\u0000${r.details_group}\u0000${r.task_definition_arn}`;
  const details = new Map<string, DetailsUsage & { clusterArn: string }>();
  const onPage = new Set(pageArns);
  for (const g of groups) {
    // The range may also hold a cluster an ingest added after the page was read (behind the cursor,
    // as keyset paging goes: a later sequence sees it).
    if (!onPage.has(g.cluster_arn)) continue;
    // A repository-wide query adds up the groups of every digest of the repository.
    const key = keyOf(g);
    const entry = details.get(key) ?? {
      clusterArn: g.cluster_arn,
      platform: g.platform as DetailsUsage['platform'],
      detailsGroup: g.details_group,
      taskDefinitionArn: g.task_definition_arn || undefined,
      workloads: [],
      runningUnitCount: 0,
      stoppedUnitCount: 0,
      lastInUse: 0,
    };
    entry.runningUnitCount += g.running_count;
    entry.lastInUse = Math.max(entry.lastInUse, g.last_in_use);
    details.set(key, entry);
  }
  for (const s of stops) {
    const entry = details.get(keyOf(s));
    if (entry) entry.stoppedUnitCount = Number(s.stopped);
  }
  for (const w of workloads) {
    const entry = details.get(keyOf(w));
    if (entry && !entry.workloads.some((x) => x.name === w.workload_name && x.type === w.workload_type)) entry.workloads.push({ name: w.workload_name, type: w.workload_type });
  }
  const byCluster = new Map<string, DetailsUsage[]>(pageArns.map((arn) => [arn, []]));
  for (const { clusterArn, ...entry } of details.values()) byCluster.get(clusterArn)!.push(entry);
  return pageArns.map((clusterArn) => ({ clusterArn, details: orderDetails(byCluster.get(clusterArn)!) }));
}

/** Keeps the 100 most recently used details, listed by their key for a stable order. */
function orderDetails(details: DetailsUsage[]): DetailsUsage[] {
  const kept = details.length > maxListEntries ? [...details].sort((a, b) => b.lastInUse - a.lastInUse).slice(0, maxListEntries) : details;
  for (const d of kept) {
    d.workloads.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
    d.workloads.splice(maxListEntries);
  }
  return kept.sort(
    (a, b) => a.detailsGroup.localeCompare(b.detailsGroup) || (a.taskDefinitionArn ?? '').localeCompare(b.taskDefinitionArn ?? ''),
  );
}
