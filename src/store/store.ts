// The one interface the rest of imagescope uses to reach its data. Implemented once with Kysely for
// SQLite and PostgreSQL (see open-store.ts); no SQL lives outside src/store.
import type { FindingsBatch } from '../domain/findings.ts';
import type { AlertStore } from './alert-store.ts';
import type { ImageKey } from '../domain/images.ts';
import type { RuntimeBatches, RuntimeWriteSummary } from '../domain/runtime-units.ts';
import type { ScanFailure } from '../domain/scan-status.ts';
import type { ConsoleFindingRow, ConsoleImageRow, ConsoleRuntimeRow } from './console-queries.ts';
import type { LatestScan } from './console-summary.ts';
import type { DomainCounts } from './domain-counts.ts';
import type { RollupMismatch } from './consistency.ts';
import type { FoundFinding } from './finding-lookups.ts';
import type { FindingCursor, FindingOrder, FindingsQuery, ListedFinding } from './finding-list-queries.ts';
import type { FindingsWriteSummary } from './findings-writes.ts';
import type { OccurrenceRow } from './occurrence-queries.ts';
import type { ScanFailureRow } from './scan-failures.ts';
import type { AccessKeyRow, AccessRole, ConsoleSessionRow, RollupAggregation, SeveritySnapshotRow, SourceActivityRow } from './schema.ts';

export type { AccessKeyRow, AccessRole, ConsoleFindingRow, FindingCursor, FindingOrder, FindingsQuery, FoundFinding, ListedFinding, ConsoleImageRow, ConsoleRuntimeRow, ConsoleSessionRow, FindingsWriteSummary, OccurrenceRow, RollupAggregation, RollupMismatch, SeveritySnapshotRow };

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

export interface ExposedPackage {
  /** The sources that list it, comma-separated. */
  source: string;
  packageName: string;
  installedVersion: string;
  fixedVersion?: string;
  severity: string;
}

export interface AggregationRow {
  key: string;
  all: number;
  critical: number;
  high: number;
  medium: number;
}

export interface AggregationsQuery {
  accountId: string;
  aggregation: RollupAggregation;
  /** The rollup version to read as of (a pagination sequence's first page); absent: the current one. */
  version?: number;
  /** Only these keys (a filter's `values`); absent: every key of the aggregation. */
  keys?: string[];
  /** Keyset cursor: the last row of the previous page. */
  after?: AggregationRow;
  limit: number;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Exposure alerts: destinations, the outbox, and what the console shows of them. */
  readonly alerts: AlertStore;
  /**
   * Applies runtime observations in one transaction; `now` (epoch ms) is the ingest time. The batches
   * are taken one at a time inside the transaction (a large snapshot is parsed a page at a time, as
   * it arrives): one that throws rolls everything back.
   */
  applyRuntime(accountId: string, batches: RuntimeBatches, now: number): Promise<RuntimeWriteSummary>;
  clustersForImage(query: ClustersForImageQuery): Promise<ClustersPage>;
  /**
   * Applies the reports of many inputs and their merged rollup changes in one transaction; `now` is
   * epoch ms. Returns each batch's summary.
   */
  applyFindings(accountId: string, batches: FindingsBatch[], now: number): Promise<FindingsWriteSummary[]>;
  /** Records scans that gave no findings (the newest per image and source) in one transaction; returns how many changed. */
  applyScanFailures(accountId: string, failures: ScanFailure[], now: number): Promise<number>;
  /** The newest failed scan per image and source. */
  scanFailures(accountId: string): Promise<ScanFailureRow[]>;
  /** One page of rollup rows as of `query.version` (default: current), and the version it was read at. */
  aggregationPage(query: AggregationsQuery): Promise<{ version: number; rows: AggregationRow[] }>;
  /**
   * Pins the account's current rollup version for a multi-page listing that begins now, and returns
   * it (undefined: the account has no findings): ingests keep the rows as of a pinned version.
   */
  pinRollupVersion(accountId: string): Promise<number | undefined>;
  /** The newest scan stored per scanner (`source`). */
  latestScans(accountId: string): Promise<LatestScan[]>;
  /** Units of these images stopped since `since` (epoch ms), by `repository\0digest`. */
  stoppedUnits(accountId: string, images: ImageKey[], since: number): Promise<Map<string, number>>;
  /** A number that moves whenever an ingest changes what consoleImages, consoleRuntime or the lists answer. */
  consoleVersion(accountId: string): Promise<number>;
  /** Every scanned image of the account with its summary's counts and revision (console lists). */
  consoleImages(accountId: string): Promise<ConsoleImageRow[]>;
  /** The digests reports say are the same image as a scanned one (`imageDigest`) of the same repository. */
  imageDigestLinks(accountId: string): Promise<{ image_repository: string; linked_digest: string; image_digest: string }[]>;
  /** Every image of the account ever seen in use, with its runtime summary. */
  consoleRuntime(accountId: string): Promise<ConsoleRuntimeRow[]>;
  /** The vulnerability lists of these images' summaries (every image's when absent), with their revisions. */
  imageVulnerabilityLists(accountId: string, imageIds?: number[]): Promise<Map<number, { revision: number; vulnerabilities: string }>>;
  /** The cluster lists (`platform\tclusterArn\tunits` lines) of these images (every image's when absent), by `repository\0digest`. */
  imageClusterLists(accountId: string, images?: ImageKey[]): Promise<Map<string, string>>;
  /** The open findings of these images (every image's when absent), in the narrow form the aggregations count. */
  activeOccurrences(accountId: string, images?: (ImageKey & { imageId: number })[]): Promise<OccurrenceRow[]>;
  /** The vulnerabilities some source's stored details call exploited. */
  exploitedVulnerabilities(accountId: string): Promise<string[]>;
  /** One image's active findings. */
  imageFindings(accountId: string, image: ImageKey & { imageId: number }): Promise<ConsoleFindingRow[]>;
  /** The account's daily snapshots from `fromDay` (`YYYY-MM-DD`) on, oldest first. */
  severitySnapshots(accountId: string, fromDay: string): Promise<SeveritySnapshotRow[]>;
  /** When each source last fed the account. */
  sourceActivity(accountId: string): Promise<Omit<SourceActivityRow, 'account_id'>[]>;
  /** One page of the account's findings that pass the criteria, in the order asked, after the cursor (ListFindings). */
  findingsPage(query: FindingsQuery): Promise<{ findings: ListedFinding[]; more: boolean }>;
  /** The findings these ARNs name in the account (ARNs that name none are left out), with their vulnerability's details. */
  findingsByArn(accountId: string, arns: string[]): Promise<Map<string, FoundFinding>>;
  /** The vulnerability's packages in each of these images. */
  exposurePackages(query: { accountId: string; vulnerabilityId: string }, imageIds: number[]): Promise<Map<number, ExposedPackage[]>>;
  /** Rollup rows that differ from what the account's findings imply (empty when consistent). */
  checkRollups(accountId: string): Promise<RollupMismatch[]>;
  accountsWithFindings(): Promise<string[]>;
  /** Counts across every account, for the server's metrics; a scan at or after `currentSince` (epoch ms) is current. */
  domainCounts(currentSince: number): Promise<DomainCounts>;
  createAccessKey(key: AccessKeyRow): Promise<void>;
  /**
   * A number that changes whenever anything is committed to the database by any connection of any
   * process, read without touching a table; while it is unchanged, anything read before is still
   * what the database holds. Undefined where the database has none (PostgreSQL): read again.
   */
  changeStamp(): number | undefined;
  /** The key with this id, revoked or not; undefined when there is none. */
  findAccessKey(accessKeyId: string): Promise<AccessKeyRow | undefined>;
  listAccessKeys(accountId?: string): Promise<AccessKeyRow[]>;
  /** Marks the key revoked; false when no such active key exists. */
  revokeAccessKey(accessKeyId: string, now: number): Promise<boolean>;
  /** Stores a console sign-in, and forgets those idle since `idleBefore` or begun before `begunBefore`. */
  createConsoleSession(session: ConsoleSessionRow, expired: { idleBefore: number; begunBefore: number }): Promise<void>;
  /** The session with this token hash, with the state of the key that signed in. */
  findConsoleSession(tokenHash: string): Promise<(ConsoleSessionRow & Pick<AccessKeyRow, 'role' | 'revoked_at'>) | undefined>;
  /** Marks the session used at `now`. */
  touchConsoleSession(tokenHash: string, now: number): Promise<void>;
  deleteConsoleSession(tokenHash: string): Promise<void>;
  /** A server-wide secret, created once by whichever replica asks first. */
  secret(name: string, create: () => string): Promise<string>;
  /**
   * Why the store cannot serve now (unreachable, locked past its busy timeout, migrations missing),
   * or undefined when it answered a query within a second.
   */
  notReadyReason(): Promise<string | undefined>;
  close(): Promise<void>;
}
