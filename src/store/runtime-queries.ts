// GetClustersForImage's reads: a keyset page of cluster ARNs that use the image, then the units of
// those clusters folded into one details entry per ECS group + task definition or EKS namespace.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { ClusterUsage, ClustersForImageQuery, ClustersPage, DetailsUsage } from './store.ts';

const dayMs = 24 * 60 * 60 * 1000;
/** The model caps clusterDetails and workloadInfoList at 100 entries each. */
const maxListEntries = 100;

function unitsUsingImage(db: Kysely<Database>, q: ClustersForImageQuery) {
  let query = db
    .selectFrom('runtime_unit_images as i')
    .innerJoin('runtime_units as u', (join) => join.onRef('u.account_id', '=', 'i.account_id').onRef('u.unit_id', '=', 'i.unit_id'))
    .where('i.account_id', '=', q.accountId)
    .where('i.image_repository', '=', q.repository)
    .where((eb) =>
      eb.or([eb('u.state', '=', 'RUNNING'), eb.and([eb('u.state', '=', 'STOPPED'), eb('u.stopped_at', '>=', q.now - q.retentionMs)])]),
    );
  if (q.digest) query = query.where('i.image_digest', '=', q.digest);
  return query;
}

export async function clustersForImage(db: Kysely<Database>, q: ClustersForImageQuery): Promise<ClustersPage> {
  let page = unitsUsingImage(db, q).select('u.cluster_arn').distinct().orderBy('u.cluster_arn').limit(q.limit + 1);
  if (q.afterClusterArn !== undefined) page = page.where('u.cluster_arn', '>', q.afterClusterArn);
  const arns = (await page.execute()).map((r) => r.cluster_arn);
  const more = arns.length > q.limit;
  const pageArns = arns.slice(0, q.limit);
  if (pageArns.length === 0) return { clusters: [], more: false };
  const units = await unitsUsingImage(db, q)
    .where('u.cluster_arn', 'in', pageArns)
    .select([
      'u.unit_id', 'u.cluster_arn', 'u.platform', 'u.details_group', 'u.task_definition_arn',
      'u.workload_name', 'u.workload_type', 'u.state', 'u.observed_at', 'u.stopped_at',
    ])
    .execute();
  const byCluster = new Map<string, Map<string, DetailsUsage>>(pageArns.map((arn) => [arn, new Map()]));
  const counted = new Set<string>();
  for (const unit of units) {
    // With a repository-wide resource id a unit running two digests of it still counts once.
    if (counted.has(unit.unit_id)) continue;
    counted.add(unit.unit_id);
    const key = `${unit.platform}\u0000${unit.details_group}\u0000${unit.task_definition_arn ?? ''}`;
    const details = byCluster.get(unit.cluster_arn)!;
    let entry = details.get(key);
    if (!entry) {
      entry = {
        platform: unit.platform,
        detailsGroup: unit.details_group,
        taskDefinitionArn: unit.task_definition_arn ?? undefined,
        workloads: [],
        runningUnitCount: 0,
        stoppedUnitCount: 0,
        lastInUse: 0,
      };
      details.set(key, entry);
    }
    const running = unit.state === 'RUNNING';
    if (running) entry.runningUnitCount++;
    else if (unit.stopped_at! >= q.now - dayMs) entry.stoppedUnitCount++;
    entry.lastInUse = Math.max(entry.lastInUse, running ? unit.observed_at : unit.stopped_at!);
    if (unit.workload_name && !entry.workloads.some((w) => w.name === unit.workload_name && w.type === unit.workload_type)) {
      entry.workloads.push({ name: unit.workload_name, type: unit.workload_type! });
    }
  }
  const clusters: ClusterUsage[] = pageArns.map((clusterArn) => ({ clusterArn, details: orderDetails([...byCluster.get(clusterArn)!.values()]) }));
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
