// Each image's runtime use in one row (image_runtime): its running units, last use, and the clusters
// running it with its units in each. Counted again from the image's groups (image_usage) whenever
// they change, in the ingest's transaction, so the console reads one row per image, never its groups.
import type { Kysely } from 'kysely';
import type { ImageKey } from '../domain/images.ts';
import type { Database, ImageRuntimeRow } from './schema.ts';

/** A cluster running the image, as kept in image_cluster_lists. */
export interface ClusterUnits {
  platform: 'ECS' | 'EKS';
  clusterArn: string;
  runningUnits: number;
}

type ClusterUse = { image_repository: string; image_digest: string; cluster_arn: string; platform: 'ECS' | 'EKS'; running: number; last_in_use: number };

/** Counts the summaries of these images (at most a few hundred) again from their groups. */
export async function summariseImageRuntime(trx: Kysely<Database>, accountId: string, images: ImageKey[]): Promise<void> {
  const uses = await trx
    .selectFrom('image_usage')
    .select(['image_repository', 'image_digest', 'cluster_arn', 'platform'])
    .select((eb) => [eb.fn.sum<number>('running_count').as('running'), eb.fn.max('last_in_use').as('last_in_use')])
    .where('account_id', '=', accountId)
    .where((eb) => eb.or(images.map((i) => eb.and([eb('image_repository', '=', i.repository), eb('image_digest', '=', i.digest)]))))
    .groupBy(['image_repository', 'image_digest', 'cluster_arn', 'platform'])
    .orderBy('cluster_arn')
    .execute() as ClusterUse[];
  const rows = new Map<string, Omit<ImageRuntimeRow, 'revision'> & { clusters: ClusterUnits[] }>();
  for (const use of uses) {
    const key = `${use.image_repository}\u0000${use.image_digest}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { account_id: accountId, image_repository: use.image_repository, image_digest: use.image_digest, running_count: 0, last_in_use: 0, running_clusters: 0, clusters: [] }));
    const running = Number(use.running);
    row.running_count += running;
    row.last_in_use = Math.max(row.last_in_use, Number(use.last_in_use));
    if (running > 0) row.clusters.push({ platform: use.platform, clusterArn: use.cluster_arn, runningUnits: running });
  }
  if (rows.size === 0) return;
  const keys = (r: { account_id: string; image_repository: string; image_digest: string }) => ({ account_id: r.account_id, image_repository: r.image_repository, image_digest: r.image_digest });
  await trx
    .insertInto('image_runtime')
    .values([...rows.values()].map(({ clusters, ...row }) => ({ ...row, running_clusters: clusters.length, revision: 1 })))
    .onConflict((oc) =>
      oc.columns(['account_id', 'image_repository', 'image_digest']).doUpdateSet((eb) => ({
        running_count: eb.ref('excluded.running_count'),
        last_in_use: eb.ref('excluded.last_in_use'),
        running_clusters: eb.ref('excluded.running_clusters'),
        revision: eb('image_runtime.revision', '+', 1),
      })),
    )
    .execute();
  await trx
    .insertInto('image_cluster_lists')
    .values([...rows.values()].map((row) => ({ ...keys(row), running_cluster_units: formatClusterUnits(row.clusters) })))
    .onConflict((oc) => oc.columns(['account_id', 'image_repository', 'image_digest']).doUpdateSet((eb) => ({ running_cluster_units: eb.ref('excluded.running_cluster_units') })))
    .execute();
}

export function formatClusterUnits(clusters: ClusterUnits[]): string {
  return clusters.map((c) => `${c.platform}\t${c.clusterArn}\t${c.runningUnits}`).join('\n');
}

export function parseClusterUnits(text: string): ClusterUnits[] {
  if (text === '') return [];
  return text.split('\n').map((line) => {
    const [platform, clusterArn, units] = line.split('\t');
    return { platform: platform as ClusterUnits['platform'], clusterArn, runningUnits: Number(units) };
  });
}
