// Row types of the tables (kept apart from the AWS API shapes). Times are epoch milliseconds.
// Every primary key starts with account_id so the schema can later be distributed by account.

export interface RuntimeUnitRow {
  account_id: string;
  /** ECS: the task ARN; EKS: `<clusterArn>/pod/<uid or namespace/name>`. */
  unit_id: string;
  platform: 'ECS' | 'EKS';
  cluster_arn: string;
  /** ECS: the task's group (`service:web`, `family:batch`); EKS: the namespace. */
  details_group: string;
  task_definition_arn: string | null;
  workload_name: string | null;
  workload_type: string | null;
  state: UnitState;
  /** ECS `detail.version` or the Pod's `metadata.resourceVersion`: newer wins, older is ignored. */
  version: number;
  observed_at: number;
  stopped_at: number | null;
}

export type UnitState = 'PENDING' | 'RUNNING' | 'STOPPED';

export interface RuntimeUnitImageRow {
  account_id: string;
  unit_id: string;
  /** `arn:aws:ecr:<region>:<account>:repository/<repo>` */
  image_repository: string;
  /** `sha256:<64 hex>` */
  image_digest: string;
}

/** Server-wide secrets (the pagination token key), shared by every replica through the database. */
export interface ServiceSecretRow {
  name: string;
  value: string;
}

export interface Database {
  runtime_units: RuntimeUnitRow;
  runtime_unit_images: RuntimeUnitImageRow;
  service_secrets: ServiceSecretRow;
}
