// The one interface the rest of imagescope uses to reach its data. Implemented once with Kysely for
// SQLite and PostgreSQL (see open-store.ts); no SQL lives outside src/store.
import type { RuntimeBatch, RuntimeWriteSummary } from '../ingest/runtime/observations.ts';

export interface ClustersForImageQuery {
  accountId: string;
  repository: string;
  /** Absent: every image of the repository. */
  digest?: string;
  /** Keyset cursor: only clusters whose ARN sorts after this one. */
  afterClusterArn?: string;
  limit: number;
  /** Request time, epoch ms. */
  now: number;
  /** Units stopped longer ago than this are no longer reported. */
  retentionMs: number;
}

export interface DetailsUsage {
  platform: 'ECS' | 'EKS';
  /** ECS task group or EKS namespace. */
  detailsGroup: string;
  taskDefinitionArn?: string;
  workloads: { name: string; type: string }[];
  runningUnitCount: number;
  stoppedUnitCount: number;
  /** Epoch ms. */
  lastInUse: number;
}

export interface ClusterUsage {
  clusterArn: string;
  details: DetailsUsage[];
}

export interface ClustersPage {
  clusters: ClusterUsage[];
  /** True when clusters sort after the last one returned. */
  more: boolean;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  applyRuntime(accountId: string, batch: RuntimeBatch): Promise<RuntimeWriteSummary>;
  clustersForImage(query: ClustersForImageQuery): Promise<ClustersPage>;
  /** A server-wide secret, created once by whichever replica asks first. */
  secret(name: string, create: () => string): Promise<string>;
  close(): Promise<void>;
}
