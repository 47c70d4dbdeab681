import type { Kysely } from 'kysely';
import type { RuntimeBatches, RuntimeWriteSummary } from '../domain/runtime-units.ts';
import type { FindingsBatch } from '../domain/findings.ts';
import type { ImageKey } from '../domain/images.ts';
import { accountsWithFindings, checkRollups, type RollupMismatch } from './consistency.ts';
import { domainCounts, type DomainCounts } from './domain-counts.ts';
import { AggregationQueries } from './finding-queries.ts';
import { applyFindings, type FindingsWriters, type FindingsWriteSummary } from './findings-writes.ts';
import { findingsByArn, type FoundFinding } from './finding-lookups.ts';
import { findingsPage, type FindingsQuery, type ListedFinding } from './finding-list-queries.ts';
import { ListedImagesCache } from './finding-images.ts';
import { RuntimeQueries } from './runtime-queries.ts';
import { PlannerStatistics } from './planner-statistics.ts';
import { applyRuntime } from './runtime-writes.ts';
import { applyScanFailures, scanFailures, type ScanFailureRow } from './scan-failures.ts';
import type { ScanFailure } from '../domain/scan-status.ts';
import type { AccessKeyRow, ConsoleSessionRow, Database, SeveritySnapshotRow, SourceActivityRow } from './schema.ts';
import type { AggregationRow, AggregationsQuery, ClustersForImageQuery, ClustersPage, ExposedPackage, Store } from './store.ts';
import { ExposureQueries } from './exposure-queries.ts';
import { OccurrenceQueries, type OccurrenceRow } from './occurrence-queries.ts';
import { latestScans, type LatestScan } from './console-summary.ts';
import { ConsoleQueries, type ConsoleFindingRow, type ConsoleImageRow, type ConsoleRuntimeRow } from './console-queries.ts';
import { placeholder, PreparedQuery } from './prepared-query.ts';
import type { StoreReads } from './store-reads.ts';
import { pinRollupVersion } from './rollup-writes.ts';
import type { Readiness } from './readiness.ts';
import { writeTransaction } from './transactions.ts';
import { KyselyAlertStore, type AlertStore } from './alert-store.ts';

export class KyselyStore implements Store {
  /** PostgreSQL only: SQLite's planner does not need statistics to use these indexes. */
  private readonly statistics?: PlannerStatistics;
  private readonly aggregations: AggregationQueries;
  private readonly runtime: RuntimeQueries;
  private readonly exposures: ExposureQueries;
  private readonly consoleQueries: ConsoleQueries;
  private readonly occurrences: OccurrenceQueries;
  /** The images filtered listings match, kept per account while its console version stands. */
  private readonly listedImages = new ListedImagesCache();
  private readonly accessKey: PreparedQuery<{ accessKeyId: string }>;
  private readonly rollupVersion: PreparedQuery<{ accountId: string }>;
  readonly alerts: AlertStore;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
    private readonly writers: FindingsWriters,
    /** The reads every AWS request makes: prepared, and on SQLite on a connection of their own. */
    private readonly reads: StoreReads,
    private readonly readiness: Readiness,
    private readonly retention: { closedFindingsMs: number },
  ) {
    if (dialect === 'postgres') this.statistics = new PlannerStatistics(db);
    this.aggregations = new AggregationQueries(db);
    this.runtime = new RuntimeQueries(db);
    this.exposures = new ExposureQueries(db);
    this.consoleQueries = new ConsoleQueries(db);
    this.occurrences = new OccurrenceQueries(db, dialect);
    this.accessKey = new PreparedQuery(db, (db) => db.selectFrom('access_keys').selectAll().where('access_key_id', '=', placeholder<string>('accessKeyId')));
    this.rollupVersion = new PreparedQuery(db, (db) => db.selectFrom('rollup_versions').select(['version', 'pinned_version']).where('account_id', '=', placeholder<string>('accountId')));
    this.alerts = new KyselyAlertStore(db, dialect);
  }

  async applyRuntime(accountId: string, batches: RuntimeBatches, now: number): Promise<RuntimeWriteSummary> {
    let images = 0;
    async function* counted() {
      for await (const batch of batches) {
        for (const unit of batch.units) images += unit.images.length;
        yield batch;
      }
    }
    const summary = await this.write((trx) => applyRuntime(trx, accountId, counted(), now));
    this.statistics?.wrote({ runtime_units: summary.applied, runtime_unit_images: images });
    return summary;
  }

  /** One write transaction, whose outcome tells readiness whether the write lock timed out. */
  private async write<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    try {
      const result = await writeTransaction(this.db, this.dialect, work);
      this.readiness.wrote();
      return result;
    } catch (error) {
      this.readiness.wrote(error);
      throw error;
    }
  }

  notReadyReason(): Promise<string | undefined> {
    return this.readiness.check();
  }

  clustersForImage(query: ClustersForImageQuery): Promise<ClustersPage> {
    return this.runtime.page(this.reads.read, query);
  }

  async applyFindings(accountId: string, batches: FindingsBatch[], now: number): Promise<FindingsWriteSummary[]> {
    const summaries = await this.write((trx) => applyFindings(trx, accountId, batches, now, this.writers, this.retention.closedFindingsMs));
    // Every applied finding also touches about one rollup row per aggregation it counts in.
    const stored = summaries.reduce((n, s) => n + s.findingsStored, 0);
    this.statistics?.wrote({ findings: stored, finding_rollups: stored });
    return summaries;
  }

  applyScanFailures(accountId: string, failures: ScanFailure[], now: number): Promise<number> {
    return this.write((trx) => applyScanFailures(trx, accountId, failures, now));
  }

  scanFailures(accountId: string): Promise<ScanFailureRow[]> {
    return scanFailures(this.db, this.reads.read, accountId);
  }

  aggregationPage(query: AggregationsQuery): Promise<{ version: number; rows: AggregationRow[] }> {
    return this.aggregations.page(this.reads.read, query);
  }

  /**
   * In the steady state (no ingest since the last sequence began) the current version is pinned
   * already, and beginning another sequence only reads: a read request writes nothing, and on
   * PostgreSQL it can be served by a replica. Only a version not pinned yet costs a write.
   */
  async pinRollupVersion(accountId: string): Promise<number | undefined> {
    const [current] = await this.reads.read<{ version: number; pinned_version: number }>(this.rollupVersion.with({ accountId }));
    if (!current) return undefined;
    if (current.pinned_version >= current.version) return current.version;
    return pinRollupVersion(this.db, accountId);
  }

  latestScans(accountId: string): Promise<LatestScan[]> {
    return latestScans(this.db, this.reads.read, accountId);
  }

  stoppedUnits(accountId: string, images: ImageKey[], since: number): Promise<Map<string, number>> {
    return this.exposures.stoppedUnits(this.reads.read, accountId, images, since);
  }

  consoleVersion(accountId: string): Promise<number> {
    return this.consoleQueries.version(this.reads.read, accountId);
  }

  consoleImages(accountId: string): Promise<ConsoleImageRow[]> {
    return this.consoleQueries.images(this.reads.read, accountId);
  }

  imageDigestLinks(accountId: string): Promise<{ image_repository: string; linked_digest: string; image_digest: string }[]> {
    return this.consoleQueries.links(this.reads.read, accountId);
  }

  consoleRuntime(accountId: string): Promise<ConsoleRuntimeRow[]> {
    return this.consoleQueries.runtime(this.reads.read, accountId);
  }

  imageVulnerabilityLists(accountId: string, imageIds?: number[]): Promise<Map<number, { revision: number; vulnerabilities: string }>> {
    return this.consoleQueries.vulnerabilityLists(this.reads.read, accountId, imageIds);
  }

  imageClusterLists(accountId: string, images?: ImageKey[]): Promise<Map<string, string>> {
    return this.consoleQueries.clusterLists(this.reads.read, accountId, images);
  }

  activeOccurrences(accountId: string, images?: (ImageKey & { imageId: number })[]): Promise<OccurrenceRow[]> {
    return this.occurrences.occurrences(this.reads.read, accountId, images);
  }

  exploitedVulnerabilities(accountId: string): Promise<string[]> {
    return this.occurrences.exploited(this.reads.read, accountId);
  }

  imageFindings(accountId: string, image: ImageKey & { imageId: number }): Promise<ConsoleFindingRow[]> {
    return this.consoleQueries.imageFindings(this.reads.read, accountId, image);
  }

  severitySnapshots(accountId: string, fromDay: string): Promise<SeveritySnapshotRow[]> {
    return this.consoleQueries.severitySnapshots(this.reads.read, accountId, fromDay);
  }

  sourceActivity(accountId: string): Promise<Omit<SourceActivityRow, 'account_id'>[]> {
    return this.consoleQueries.sourceActivity(this.reads.read, accountId);
  }

  findingsPage(query: FindingsQuery): Promise<{ findings: ListedFinding[]; more: boolean }> {
    return findingsPage(this.db, this.reads.read, this.dialect, query, this.listedImages);
  }

  findingsByArn(accountId: string, arns: string[]): Promise<Map<string, FoundFinding>> {
    return findingsByArn(this.db, this.reads.read, accountId, arns);
  }

  exposurePackages(query: { accountId: string; vulnerabilityId: string }, imageIds: number[]): Promise<Map<number, ExposedPackage[]>> {
    return this.exposures.packagesOf(this.reads.read, query, imageIds);
  }

  checkRollups(accountId: string): Promise<RollupMismatch[]> {
    return checkRollups(this.db, accountId);
  }

  domainCounts(currentSince: number): Promise<DomainCounts> {
    return domainCounts(this.db, this.reads.read, currentSince);
  }

  accountsWithFindings(): Promise<string[]> {
    return accountsWithFindings(this.db);
  }

  async createAccessKey(key: AccessKeyRow): Promise<void> {
    await this.db.insertInto('access_keys').values(key).execute();
  }

  changeStamp(): number | undefined {
    return this.reads.changeStamp();
  }

  async findAccessKey(accessKeyId: string): Promise<AccessKeyRow | undefined> {
    const [key] = await this.reads.read<AccessKeyRow>(this.accessKey.with({ accessKeyId }));
    return key;
  }

  listAccessKeys(accountId?: string): Promise<AccessKeyRow[]> {
    let query = this.db.selectFrom('access_keys').selectAll().orderBy('account_id').orderBy('created_at');
    if (accountId) query = query.where('account_id', '=', accountId);
    return query.execute();
  }

  async revokeAccessKey(accessKeyId: string, now: number): Promise<boolean> {
    const result = await this.db.updateTable('access_keys').set({ revoked_at: now }).where('access_key_id', '=', accessKeyId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async createConsoleSession(session: ConsoleSessionRow, expired: { idleBefore: number; begunBefore: number }): Promise<void> {
    await this.write(async (trx) => {
      await trx.deleteFrom('console_sessions').where((eb) => eb.or([eb('last_seen_at', '<', expired.idleBefore), eb('created_at', '<', expired.begunBefore)])).execute();
      await trx.insertInto('console_sessions').values(session).execute();
    });
  }

  findConsoleSession(tokenHash: string): Promise<(ConsoleSessionRow & Pick<AccessKeyRow, 'role' | 'revoked_at'>) | undefined> {
    return this.db
      .selectFrom('console_sessions as s')
      .innerJoin('access_keys as k', 'k.access_key_id', 's.access_key_id')
      .selectAll('s')
      .select(['k.role', 'k.revoked_at'])
      .where('s.token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  async touchConsoleSession(tokenHash: string, now: number): Promise<void> {
    await this.db.updateTable('console_sessions').set({ last_seen_at: now }).where('token_hash', '=', tokenHash).execute();
  }

  async deleteConsoleSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('console_sessions').where('token_hash', '=', tokenHash).execute();
  }

  async secret(name: string, create: () => string): Promise<string> {
    await this.db.insertInto('service_secrets').values({ name, value: create() }).onConflict((oc) => oc.column('name').doNothing()).execute();
    const row = await this.db.selectFrom('service_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
    return row.value;
  }

  private closing?: Promise<void>;

  /** Idempotent: the server's shutdown and a failing start-up may both close the store. */
  close(): Promise<void> {
    this.closing ??= (this.statistics?.settled() ?? Promise.resolve()).then(() => {
      this.reads.close();
      this.readiness.close();
      return this.db.destroy();
    });
    return this.closing;
  }
}
