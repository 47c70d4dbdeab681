// Prometheus metrics of one server process (prom-client): requests, AWS outcomes, authentication
// failures and ingests as they happen, and what the store holds from a periodic snapshot (never read
// at scrape time, so a scrape costs nothing and cannot load the database). No label takes an
// unbounded value: no digest, vulnerability id, cluster or account.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import { packageVersion } from '../package-version.ts';
import type { Store } from '../store/store.ts';
import { authenticationErrorTypes } from '../protocol/auth-errors.ts';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: 'imagescope_http_request_duration_seconds',
    help: 'HTTP requests by service, operation or route, and status code',
    labelNames: ['service', 'operation', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly awsRequests = new Counter({ name: 'imagescope_aws_requests_total', help: 'AWS operation requests by outcome (success, or the error code)', labelNames: ['operation', 'outcome'], registers: [this.registry] });
  readonly authenticationFailures = new Counter({ name: 'imagescope_authentication_failures_total', help: 'Requests refused by authentication, by reason (the AWS error code)', labelNames: ['reason'], registers: [this.registry] });
  readonly ingestDocuments = new Counter({ name: 'imagescope_ingest_documents_total', help: 'Inputs sent to the ingest endpoint, by format and outcome (stored, rejected, failed)', labelNames: ['format', 'outcome'], registers: [this.registry] });
  readonly ingestDuration = new Histogram({ name: 'imagescope_ingest_duration_seconds', help: 'Time to ingest one input through the ingest endpoint', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] });
  readonly lastIngest = new Gauge({ name: 'imagescope_last_ingest_timestamp_seconds', help: 'When the ingest endpoint last stored an input of each source format', labelNames: ['source'], registers: [this.registry] });
  private readonly findings = new Gauge({ name: 'imagescope_findings', help: 'Active findings by severity and whether their image runs now (snapshot)', labelNames: ['severity', 'running'], registers: [this.registry] });
  private readonly uniqueVulnerabilities = new Gauge({ name: 'imagescope_unique_vulnerabilities', help: 'Vulnerability ids with active findings, by their worst severity (snapshot)', labelNames: ['severity'], registers: [this.registry] });
  private readonly runningUnits = new Gauge({ name: 'imagescope_running_units', help: 'ECS tasks and Kubernetes pods running now, by platform (snapshot)', labelNames: ['platform'], registers: [this.registry] });
  private readonly runningImages = new Gauge({ name: 'imagescope_running_images', help: 'Images running now by the state of their newest scan: current (within IMAGESCOPE_SCAN_FRESHNESS), stale, or never scanned (snapshot)', labelNames: ['scan'], registers: [this.registry] });
  private readonly images = new Gauge({ name: 'imagescope_images', help: 'Images with stored scan results (snapshot)', registers: [this.registry] });
  readonly alertDeliveries = new Counter({ name: 'imagescope_alert_deliveries_total', help: 'Alert deliveries (one event to one destination) by destination, its type, and the outcome of an attempt (delivered, retry, dead)', labelNames: ['destination', 'type', 'outcome'], registers: [this.registry] });
  private readonly alertsPending = new Gauge({ name: 'imagescope_alert_deliveries_pending', help: 'Alert deliveries not yet delivered nor dead, by destination (snapshot)', labelNames: ['destination'], registers: [this.registry] });
  private readonly alertsOldestPending = new Gauge({ name: 'imagescope_alert_oldest_pending_age_seconds', help: 'Age of the oldest pending alert delivery, by destination (snapshot)', labelNames: ['destination'], registers: [this.registry] });
  private readonly snapshotAge = new Gauge({ name: 'imagescope_domain_snapshot_timestamp_seconds', help: 'When the domain gauges were last counted', registers: [this.registry] });
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor() {
    new Gauge({ name: 'imagescope_build_info', help: 'The running version', labelNames: ['version', 'node'], registers: [this.registry] }).set({ version: packageVersion(), node: process.version }, 1);
    collectDefaultMetrics({ register: this.registry });
  }

  /** An AWS operation's answer: its outcome (success, or the error code), and an authentication failure's reason. */
  countAwsAnswer(operation: string, errorType: string | undefined): void {
    const outcome = errorType ?? 'success';
    this.awsRequests.inc({ operation, outcome });
    if (authenticationErrorTypes.has(outcome)) this.authenticationFailures.inc({ reason: outcome });
  }

  /** Counts the store now and every `intervalMs`; a failed count is logged and tried at the next. */
  startSnapshots(store: Store, intervalMs: number, scanFreshnessMs: number, logger: Logger): void {
    const count = async () => {
      try {
        const counts = await store.domainCounts(Date.now() - scanFreshnessMs);
        this.findings.reset();
        for (const f of counts.findings) this.findings.inc({ severity: f.severity.toLowerCase(), running: String(f.running) }, f.count);
        this.uniqueVulnerabilities.reset();
        for (const v of counts.uniqueVulnerabilities) this.uniqueVulnerabilities.set({ severity: v.severity.toLowerCase() }, v.count);
        this.runningUnits.reset();
        for (const u of counts.runningUnits) this.runningUnits.set({ platform: u.platform.toLowerCase() }, u.count);
        this.images.set(counts.images);
        const scans = counts.runningImagesByScan;
        for (const [scan, n] of [['current', scans.current], ['stale', scans.stale], ['never', scans.neverScanned]] as const) this.runningImages.set({ scan }, n);
        const pending = await store.alerts.pending();
        this.alertsPending.reset();
        this.alertsOldestPending.reset();
        for (const p of pending) {
          this.alertsPending.set({ destination: p.destination }, p.pending);
          this.alertsOldestPending.set({ destination: p.destination }, Math.max(0, (Date.now() - p.oldestCreatedAt) / 1000));
        }
        this.snapshotAge.set(Date.now() / 1000);
      } catch (error) {
        logger.warn({ err: error }, 'metrics snapshot failed');
      }
      if (!this.stopped) this.timer = setTimeout(count, intervalMs).unref();
    };
    void count();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
