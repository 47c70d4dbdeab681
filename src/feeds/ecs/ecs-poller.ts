// `imagescope watch ecs`: every interval, each region's clusters (--cluster, else ListClusters), their
// RUNNING and STOPPED tasks (ListTasks, every page), described 100 at a time (DescribeTasks), written
// as one "ECS Task Snapshot" per cluster: the ordinary ECS ingest, which normalises each task exactly
// as an "ECS Task State Change" event and stops the cluster's running tasks that the poll no longer
// lists. Credentials, region and endpoint come from the SDK's own chains (AWS_ENDPOINT_URL_ECS too);
// throttling is retried by the SDK's standard retry strategy. A cluster that fails (AccessDenied,
// throttled past the retries) is logged and retried next interval; the others go on.
import { DescribeClustersCommand, DescribeTasksCommand, ECSClient, paginateListClusters, paginateListTasks, type Task } from '@aws-sdk/client-ecs';
import type { Logger } from 'pino';
import { ecsSnapshotDetailType } from '../../ingest/runtime/ecs-task-events.ts';
import { sleep } from '../backoff.ts';
import type { FeedHealth } from '../feed-health.ts';
import type { IngestSink } from '../ingest-sink.ts';

export interface EcsFeedSettings {
  /** Empty: the SDK's region (AWS_REGION, the profile, ...). */
  regions: string[];
  /** Names or ARNs; empty: every cluster ListClusters returns. */
  clusters: string[];
  intervalMs: number;
  accountId: string;
}

const describeBatch = 100;
/** The SDK retries throttling and 5xx with jittered exponential backoff; give it room. */
const maxAttempts = 8;

export class EcsPoller {
  private readonly clients: { region: string | undefined; client: ECSClient }[];

  constructor(
    private readonly sink: IngestSink,
    private readonly settings: EcsFeedSettings,
    private readonly health: FeedHealth,
    private readonly log: Logger,
  ) {
    const regions = settings.regions.length ? settings.regions : [undefined];
    this.clients = regions.map((region) => ({ region, client: new ECSClient({ ...(region && { region }), maxAttempts }) }));
    for (const { region } of this.clients) health.track(regionKey(region));
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = Date.now();
      await Promise.all(this.clients.map(({ region, client }) => this.pollRegion(region, client, signal)));
      await sleep(Math.max(0, this.settings.intervalMs - (Date.now() - started)), signal);
    }
    for (const { client } of this.clients) client.destroy();
  }

  private async pollRegion(region: string | undefined, client: ECSClient, signal: AbortSignal): Promise<void> {
    let clusterArns: string[];
    try {
      clusterArns = await this.clustersOf(client);
      if (this.health.synced(regionKey(region))) this.log.info({ region }, 'recovered');
    } catch (error) {
      return this.fault(regionKey(region), error, { region });
    }
    const tracked = this.tracked.get(region) ?? new Set<string>();
    this.tracked.set(region, tracked);
    for (const clusterArn of clusterArns) {
      if (signal.aborted) return;
      if (!tracked.has(clusterArn)) {
        tracked.add(clusterArn);
        this.health.track(clusterArn);
      }
      await this.pollCluster(client, clusterArn).catch((error) => this.fault(clusterArn, error, { region, cluster: clusterArn }));
    }
    for (const gone of [...tracked].filter((arn) => !clusterArns.includes(arn))) {
      await this.clusterGone(gone).catch((error) => this.fault(gone, error, { region, cluster: gone }));
      tracked.delete(gone);
      this.health.untrack(gone);
    }
  }

  /** Polled clusters by region: one that ListClusters no longer returns was deleted. */
  private readonly tracked = new Map<string | undefined, Set<string>>();
  private readonly arnOfName = new Map<string, string>();

  /** Cluster ARNs: the --cluster values (names resolved once with DescribeClusters), else ListClusters. */
  private async clustersOf(client: ECSClient): Promise<string[]> {
    if (this.settings.clusters.length === 0) {
      const arns: string[] = [];
      for await (const page of paginateListClusters({ client }, {})) arns.push(...(page.clusterArns ?? []));
      return arns;
    }
    const unresolved = this.settings.clusters.filter((c) => !c.startsWith('arn:') && !this.arnOfName.has(c));
    if (unresolved.length) {
      const { clusters = [], failures = [] } = await client.send(new DescribeClustersCommand({ clusters: unresolved }));
      for (const c of clusters) this.arnOfName.set(c.clusterName!, c.clusterArn!);
      for (const f of failures) this.log.error({ cluster: f.arn, reason: f.reason }, 'no such cluster');
    }
    return this.settings.clusters.map((c) => (c.startsWith('arn:') ? c : this.arnOfName.get(c))).filter((arn): arn is string => !!arn);
  }

  private async pollCluster(client: ECSClient, clusterArn: string): Promise<void> {
    const polledAt = Date.now();
    const taskArns = new Set<string>();
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      for await (const page of paginateListTasks({ client }, { cluster: clusterArn, desiredStatus })) for (const arn of page.taskArns ?? []) taskArns.add(arn);
    }
    const tasks: Task[] = [];
    const arns = [...taskArns];
    for (let i = 0; i < arns.length; i += describeBatch) {
      const described = await client.send(new DescribeTasksCommand({ cluster: clusterArn, tasks: arns.slice(i, i + describeBatch) }));
      tasks.push(...(described.tasks ?? []));
    }
    const summary = await this.writeSnapshot(clusterArn, tasks, polledAt);
    if (this.health.synced(clusterArn)) this.log.info({ cluster: clusterArn }, 'recovered');
    this.log.info({ cluster: clusterArn, tasks: tasks.length, applied: summary.applied, stopped: summary.stoppedBySnapshot, ms: Date.now() - polledAt }, 'polled');
  }

  /** A deleted cluster runs nothing: an empty snapshot stops what it ran. */
  private async clusterGone(clusterArn: string): Promise<void> {
    const summary = await this.writeSnapshot(clusterArn, [], Date.now());
    this.log.info({ cluster: clusterArn, stopped: summary.stoppedBySnapshot }, 'cluster gone: its tasks stopped');
  }

  private writeSnapshot(clusterArn: string, tasks: Task[], at: number) {
    // As JSON text, the SDK's Dates become the ISO strings an event carries.
    const snapshot = JSON.stringify({ 'detail-type': ecsSnapshotDetailType, source: 'imagescope', time: new Date(at).toISOString(), region: clusterArn.split(':')[3], detail: { clusterArn, tasks } });
    return this.sink.ingest(`${clusterArn} (poll)`, [snapshot], { format: 'ecs', accountId: this.settings.accountId });
  }

  private fault(key: string, error: unknown, context: object): void {
    const { name, message } = error as Error;
    this.health.failed(key, `${name}: ${message}`);
    if (name === 'AccessDeniedException') {
      const action = /not authorized to perform: (ecs:\w+)/.exec(message)?.[1];
      this.log.error({ ...context, missingPermission: action, error: message }, `permission missing: ${action ?? 'an ECS action'} (see deploy/aws/ecs-watcher-policy.json)`);
    } else {
      this.log.warn({ ...context, error: `${name}: ${message}` }, 'poll failed: retrying next interval');
    }
  }
}

function regionKey(region: string | undefined): string {
  return `region ${region ?? '(SDK default)'}`;
}
