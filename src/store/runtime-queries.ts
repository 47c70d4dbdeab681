// GetClustersForImage's reads, from the runtime-use rollups kept at ingest (image-usage.ts): a keyset
// page of cluster ARNs, then the page's details groups, their stops of the last 24 hours and their
// workloads. The cost follows the clusters and groups on the page, not the units that run the image.
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { ClusterUsage, ClustersForImageQuery, ClustersPage, DetailsUsage } from './store.ts';

const dayMs = 24 * 60 * 60 * 1000;
/** The model caps clusterDetails and workloadInfoList at 100 entries each. */
const maxListEntries = 100;

/** Rows of the image (or of every image of the repository), optionally in some clusters only. */
function ofImage(q: ClustersForImageQuery, clusterArns?: string[]) {
  return (eb: ExpressionBuilder<Database, 'image_usage' | 'image_stops' | 'image_workloads'>) =>
    eb.and([
      eb('account_id', '=', q.accountId),
      eb('image_repository', '=', q.repository),
      ...(q.digest ? [eb('image_digest', '=', q.digest)] : []),
      ...(clusterArns ? [eb('cluster_arn', 'in', clusterArns)] : []),
    ]);
}

/** Groups and workloads with running units, or used within the retention window. */
function inUse(q: ClustersForImageQuery) {
  return (eb: ExpressionBuilder<Database, 'image_usage' | 'image_workloads'>) =>
    eb.or([eb('running_count', '>', 0), eb('last_in_use', '>=', q.now - q.retentionMs)]);
}

export async function clustersForImage(db: Kysely<Database>, q: ClustersForImageQuery): Promise<ClustersPage> {
  let page = db.selectFrom('image_usage').where(ofImage(q)).where(inUse(q)).select('cluster_arn').distinct().orderBy('cluster_arn').limit(q.limit + 1);
  if (q.afterClusterArn !== undefined) page = page.where('cluster_arn', '>', q.afterClusterArn);
  const arns = (await page.execute()).map((r) => r.cluster_arn);
  const more = arns.length > q.limit;
  const pageArns = arns.slice(0, q.limit);
  if (pageArns.length === 0) return { clusters: [], more: false };
  const groupColumns = ['cluster_arn', 'platform', 'details_group', 'task_definition_arn'] as const;
  const [groups, stops, workloads] = await Promise.all([
    db.selectFrom('image_usage').select([...groupColumns, 'running_count', 'last_in_use']).where(ofImage(q, pageArns)).where(inUse(q)).execute(),
    db.selectFrom('image_stops').select([...groupColumns, 'unit_id']).where(ofImage(q, pageArns)).where('stopped_at', '>=', q.now - dayMs).execute(),
    db.selectFrom('image_workloads').select([...groupColumns, 'workload_type', 'workload_name']).where(ofImage(q, pageArns)).where(inUse(q)).execute(),
  ]);
  const keyOf = (r: { cluster_arn: string; platform: string; details_group: string; task_definition_arn: string }) => `${r.cluster_arn}\u0000${r.platform}\u0000${r.details_group}\u0000${r.task_definition_arn}`;
  const details = new Map<string, DetailsUsage & { clusterArn: string }>();
  for (const g of groups) {
    // A repository-wide query adds up the groups of every digest of the repository.
    const key = keyOf(g);
    const entry = details.get(key) ?? {
      clusterArn: g.cluster_arn,
      platform: g.platform,
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
  const stoppedUnits = new Map<string, Set<string>>();
  for (const s of stops) stoppedUnits.set(keyOf(s), (stoppedUnits.get(keyOf(s)) ?? new Set()).add(s.unit_id));
  for (const [key, units] of stoppedUnits) if (details.has(key)) details.get(key)!.stoppedUnitCount = units.size;
  for (const w of workloads) {
    const entry = details.get(keyOf(w));
    if (entry && !entry.workloads.some((x) => x.name === w.workload_name && x.type === w.workload_type)) entry.workloads.push({ name: w.workload_name, type: w.workload_type });
  }
  const byCluster = new Map<string, DetailsUsage[]>(pageArns.map((arn) => [arn, []]));
  for (const { clusterArn, ...entry } of details.values()) byCluster.get(clusterArn)!.push(entry);
  const clusters: ClusterUsage[] = pageArns.map((clusterArn) => ({ clusterArn, details: orderDetails(byCluster.get(clusterArn)!) }));
  return { clusters, more };
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
