// Row types of the tables (kept apart from the AWS API shapes). Times are epoch milliseconds.
// Every primary key starts with account_id so the schema can later be distributed by account.
import type { Generated } from 'kysely';
import type { UnitState } from '../domain/runtime-units.ts';

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

/** An image that has findings, with the Image Builder ARNs it was tagged with at ingest. */
export interface ScannedImageRow {
  account_id: string;
  image_repository: string;
  image_digest: string;
  /** Short id of the image within the account, used by its findings and reports. */
  image_id: number;
  image_build_version_arn: string | null;
  image_pipeline_arn: string | null;
  /** The image's tags as its reports give them, comma-separated (`3.9,latest`); '' when none. */
  image_tags: string;
  /** The layers its findings name, comma-separated, in the order first seen: findings refer to them by place. */
  layer_hashes: string;
}

/** The last report applied per image and source: a newer one replaces it, the same one changes nothing. */
export interface ImageReportRow {
  account_id: string;
  image_id: number;
  source: string;
  report_time: number;
  content_hash: string;
}

/**
 * One finding: an occurrence (vulnerability, package, installed version) in one image, whichever
 * sources report it. Kept after it closes (no source's newest report lists it) until the retention
 * of closed findings, so that it reopens with the same id.
 */
export interface FindingRow {
  account_id: string;
  /**
   * The rank of its severity on Inspector's scale (0 CRITICAL ... 5 UNTRIAGED; severity-columns.ts),
   * the worst a listing source gives. First in the key after the account, so that a listing ordered
   * by severity then id is one index range per severity.
   */
  severity_rank: number;
  /** The 16 bytes of the last part of the finding's ARN (32 lowercase hex, finding-ids.ts). */
  finding_id: Buffer;
  image_id: number;
  vulnerability_id: string;
  package_name: string;
  package_version: string;
  /** The version(s) that fix it, where a listing source names one. */
  fixed_version: string | null;
  /** 1 ACTIVE (some source's newest report lists it), 0 CLOSED. */
  active: number;
  /** Epoch ms: the first report that had it, the newest report that has it, its last change. */
  first_observed_at: number;
  last_observed_at: number;
  updated_at: number;
  /** When imagescope saw it close (epoch ms, ingest time); null while ACTIVE. Closed findings are kept a while from then. */
  closed_at: number | null;
  /** The sources whose newest report lists it, sorted, comma-separated; '' once closed. */
  sources: string;
  /**
   * Each source's own view of it (finding-states.ts), as JSON, where the columns above cannot say it:
   * several sources, or a source of individual findings (Inspector2) whose order matters. Null for
   * the common case of one scanner's report.
   */
  source_states: string | null;
  /** The ARN an imported Inspector2 finding carries, kept as given. */
  finding_arn: string | null;
  /** Where the package is, as the scanner that last listed it says. */
  file_path: string | null;
  /** The layer: its place in the image's `layer_hashes` (a hash is 71 characters; most images have a few layers). */
  layer_index: number | null;
  package_manager: string | null;
}

/** What a source says about a vulnerability (VulnerabilityInfo as JSON), shared by its findings. */
export interface VulnerabilityDetailsRow {
  account_id: string;
  vulnerability_id: string;
  /** The report's source (`trivy`, `grype`, `inspector2`, ...). */
  source: string;
  details: string;
  /**
   * The time of the report that wrote them (epoch ms): when what they say last changed, since the
   * same details are never rewritten. A finding's `updatedAt` is at least this; an older report never
   * replaces them.
   */
  observed_at: number;
}

/**
 * Severity counts per aggregation key, kept current at ingest. Rows are versioned: a change closes
 * the current row (version_to) and opens a new one, so a pagination sequence can keep reading the
 * counts as of the version its first page saw. Closed rows are pruned after the token lifetime.
 */
export interface FindingRollupRow {
  account_id: string;
  aggregation: RollupAggregation;
  aggregation_key: string;
  version_from: number;
  version_to: number | null;
  closed_at: number | null;
  count_all: number;
  count_critical: number;
  count_high: number;
  count_medium: number;
}

export type RollupAggregation = 'accountId' | 'imagePipelineArn' | 'imageBuildVersionArn' | 'vulnerabilityId';

export interface RollupVersionRow {
  account_id: string;
  version: number;
  /** The highest version a multi-page aggregation listing has begun at (0: none). */
  pinned_version: Generated<number>;
}

export type AccessRole = 'read' | 'ingest' | 'admin';

/**
 * An access key for SigV4. The secret is kept as is, because verifying a SigV4 signature means
 * computing it again; protect the database as you would the keys themselves.
 */
export interface AccessKeyRow {
  account_id: string;
  access_key_id: string;
  secret_access_key: string;
  role: AccessRole;
  created_at: number;
  revoked_at: number | null;
}

/** The details group of GetClustersForImage an image's use is counted in. */
export interface ImageGroupKey {
  account_id: string;
  image_repository: string;
  image_digest: string;
  cluster_arn: string;
  platform: 'ECS' | 'EKS';
  details_group: string;
  /** '' for EKS namespaces. */
  task_definition_arn: string;
}

export interface ImageUsageRow extends ImageGroupKey {
  running_count: number;
  /** Epoch ms: latest observation of a running unit or stop of a unit in the group. */
  last_in_use: number;
}

export interface ImageStopRow extends ImageGroupKey {
  stopped_at: number;
  unit_id: string;
}

export interface ImageWorkloadRow extends ImageGroupKey {
  workload_type: string;
  workload_name: string;
  running_count: number;
  last_in_use: number;
}

/** An image's runtime use summed over its groups (image_usage), kept with them. */
export interface ImageRuntimeRow {
  account_id: string;
  image_repository: string;
  image_digest: string;
  running_count: number;
  last_in_use: number;
  /** Clusters with running units of the image. */
  running_clusters: number;
  /** Moves on every change of the row: readers keep the image's cluster list until it does. */
  revision: number;
}

/** The clusters running an image now with its units in each, kept apart from image_runtime so that its rows stay narrow. */
export interface ImageClusterListRow {
  account_id: string;
  image_repository: string;
  image_digest: string;
  /** `platform\tclusterArn\tunits` lines. */
  running_cluster_units: string;
}

/** What the console lists about a scanned image (image-summaries.ts), kept with its findings. */
export interface ImageFindingSummaryRow {
  account_id: string;
  image_id: number;
  /** The rollup version of the ingest that wrote the row: readers keep what they parsed until it moves. */
  revision: number;
  count_all: number;
  count_critical: number;
  count_high: number;
  count_medium: number;
  count_low: number;
  count_informational: number;
  count_untriaged: number;
  /** Occurrences with a fixed version named. */
  fixable_all: number;
  fixable_critical: number;
  fixable_high: number;
  /** Distinct vulnerability ids. */
  vulnerability_count: number;
}

/** A scanned image's distinct vulnerability ids, written with its summary (in a table of its own, so summary rows stay narrow). */
export interface ImageVulnerabilityListRow {
  account_id: string;
  image_id: number;
  /** The summary's revision when written. */
  revision: number;
  /** `id\trank\tfixable` lines sorted by id: each id's worst severity and whether any occurrence has a fix. */
  vulnerabilities: string;
}

/** An account's occurrences by severity on one day (UTC), for all images and for running ones; the last ingest of the day writes it. */
export interface SeveritySnapshotRow {
  account_id: string;
  /** `YYYY-MM-DD` */
  day: string;
  all_critical: number;
  all_high: number;
  all_medium: number;
  all_low: number;
  all_informational: number;
  all_untriaged: number;
  running_critical: number;
  running_high: number;
  running_medium: number;
  running_low: number;
  running_informational: number;
  running_untriaged: number;
}

/** A digest a report says is the same image as a scanned one of the same repository (a platform manifest of an index). */
export interface ImageDigestLinkRow {
  account_id: string;
  image_repository: string;
  linked_digest: string;
  /** The scanned image's digest. */
  image_digest: string;
}

/** Moves whenever an ingest changes what the console's lists read for the account (summaries, tags, runtime). */
export interface ConsoleVersionRow {
  account_id: string;
  version: number;
}

/** When each source (a scanner, ECS, Kubernetes) last fed the account data (epoch ms, ingest time). */
export interface SourceActivityRow {
  account_id: string;
  source: string;
  last_ingest_at: number;
}

/** The newest scan of an image by one source that gave no findings, and why (coverage shows it). */
export interface ImageScanFailureRow {
  account_id: string;
  image_repository: string;
  image_digest: string;
  source: string;
  /** An Inspector2 ScanStatusReason (domain/scan-status.ts). */
  reason: string;
  detail: string;
  failed_at: number;
}

/** A console sign-in: the key that signed in, its account, and when (epoch ms). */
export interface ConsoleSessionRow {
  /** SHA-256 (hex) of the session token the browser holds. */
  token_hash: string;
  access_key_id: string;
  account_id: string;
  created_at: number;
  last_seen_at: number;
}

/** A destination's routing (AlertRouting as JSON), as the last server started with an alerts file registered it. */
export interface AlertDestinationRow {
  name: string;
  routing: string;
  registered_at: number;
}

/** A cluster alerts know: one first seen while alerts are on is recorded silently. */
export interface AlertClusterRow {
  account_id: string;
  cluster_arn: string;
  first_seen_at: number;
}

/** An image that runs in a group of a cluster and carries a vulnerability: its part in that exposure. */
export interface ExposureCarrierRow {
  account_id: string;
  /** The id the exposure goes by (a CVE its aliases name, else the id itself). */
  vulnerability_id: string;
  cluster_arn: string;
  image_repository: string;
  image_digest: string;
  details_group: string;
  platform: 'ECS' | 'EKS';
  severity_rank: number;
  fixable: number;
  /** The image's own ids of it where they differ (a GHSA), comma-separated. */
  aliases: string;
}

/** What one destination was last told of one exposure (alerts/exposure-notices.ts). */
export interface ExposureNoticeRow {
  account_id: string;
  destination: string;
  vulnerability_id: string;
  cluster_arn: string;
  exposure_id: string;
  state: 'open' | 'resolved';
  severity_rank: number;
  exploited: number;
  opened_at: number;
  unmatched_since: number | null;
  resolved_at: number | null;
}

export type AlertDeliveryState = 'pending' | 'delivered' | 'dead';

/** One event for one destination (the outbox); a message groups the deliveries sent in one request. */
export interface AlertDeliveryRow {
  delivery_id: string;
  account_id: string;
  destination: string;
  event_id: string;
  event_type: string;
  event_time: number;
  facts: string;
  payload: string | null;
  message_id: string | null;
  state: AlertDeliveryState;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_answer: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface Database {
  alert_destinations: AlertDestinationRow;
  alert_clusters: AlertClusterRow;
  exposure_carriers: ExposureCarrierRow;
  exposure_notices: ExposureNoticeRow;
  alert_deliveries: AlertDeliveryRow;
  access_keys: AccessKeyRow;
  console_sessions: ConsoleSessionRow;
  image_usage: ImageUsageRow;
  image_runtime: ImageRuntimeRow;
  image_finding_summaries: ImageFindingSummaryRow;
  image_vulnerability_lists: ImageVulnerabilityListRow;
  image_cluster_lists: ImageClusterListRow;
  severity_snapshots: SeveritySnapshotRow;
  source_activity: SourceActivityRow;
  image_scan_failures: ImageScanFailureRow;
  console_versions: ConsoleVersionRow;
  image_digest_links: ImageDigestLinkRow;
  image_stops: ImageStopRow;
  image_workloads: ImageWorkloadRow;
  runtime_units: RuntimeUnitRow;
  runtime_unit_images: RuntimeUnitImageRow;
  service_secrets: ServiceSecretRow;
  scanned_images: ScannedImageRow;
  image_reports: ImageReportRow;
  findings: FindingRow;
  vulnerability_details: VulnerabilityDetailsRow;
  finding_rollups: FindingRollupRow;
  rollup_versions: RollupVersionRow;
}
