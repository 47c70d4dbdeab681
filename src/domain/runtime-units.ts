// Runtime units (ECS tasks, Kubernetes pods) as every room names them: what the ECS and Kubernetes
// parsers emit, the store applies and the services read back.
import type { ImageKey } from './images.ts';

export type UnitState = 'PENDING' | 'RUNNING' | 'STOPPED';

/** One task or pod as last seen by one event or snapshot. Times are epoch milliseconds. */
export interface UnitObservation {
  unitId: string;
  platform: 'ECS' | 'EKS';
  clusterArn: string;
  /** ECS task group (`service:web`) or EKS namespace. */
  detailsGroup: string;
  taskDefinitionArn?: string;
  workload?: { name: string; type: string };
  state: UnitState;
  version: number;
  observedAt: number;
  stoppedAt?: number;
  images: ImageKey[];
}

/**
 * A complete listing of one cluster's pods (or one namespace's), or of one ECS cluster's tasks:
 * running units of that scope that it does not contain have stopped by `at`.
 */
export interface SnapshotScope {
  platform: 'ECS' | 'EKS';
  clusterArn: string;
  /** EKS only: the listing covers this namespace alone. */
  namespace?: string;
  at: number;
  unitIds: string[];
}

export interface RuntimeBatch {
  units: UnitObservation[];
  snapshots: SnapshotScope[];
}

/** Batches applied in one transaction, taken one at a time (they may be parsed as they arrive). */
export type RuntimeBatches = Iterable<RuntimeBatch> | AsyncIterable<RuntimeBatch>;

export interface RuntimeWriteSummary {
  /** Observations that were new or newer than what the store held. */
  applied: number;
  /** Replayed or older observations that changed nothing (or only refreshed `lastInUse`). */
  unchanged: number;
  /** Running units marked stopped because a snapshot no longer listed them. */
  stoppedBySnapshot: number;
}
