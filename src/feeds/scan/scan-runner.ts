// `imagescope scan` and `imagescope watch scan`: a scanner run on the images that run now and that no
// feed covers: with no scan (`missing`) and, if asked, with one older than the freshness window
// (`stale`), as coverage sees them (running-images.ts). Each is scanned by the reference the runtime
// data recorded (`<registry>/<repository>@sha256:<digest>`), at most `parallel` at a time; the report is
// ingested like a file of its format, keyed on the running digest. A scan that fails is ingested as the
// image's scan status (`scan-status`), so coverage says why, and is tried again after a backoff that
// doubles from a minute to six hours. A stop starts no new scan and lets the running ones end.
import type { Logger } from 'pino';
import { pullReference } from '../../domain/images.ts';
import { IngestRejection } from '../../ingest/ingest-rejection.ts';
import { scanStatusKind } from '../../ingest/findings/scan-status.ts';
import { sleep } from '../backoff.ts';
import type { FeedHealth } from '../feed-health.ts';
import type { IngestSink } from '../ingest-sink.ts';
import type { RunningImage, RunningImages } from '../running-images.ts';
import { runScanner, type ScannerOutcome } from './run-scanner.ts';
import type { ScannerCommand } from './scanner-command.ts';

export interface ScanSettings {
  accountId: string;
  missing: boolean;
  stale: boolean;
  command: ScannerCommand;
  parallel: number;
  timeoutMs: number;
  /** watch scan: time between passes. */
  intervalMs: number;
}

export interface PassCounts {
  images: number;
  scanned: number;
  failed: number;
  /** Failed before, and waiting out their backoff. */
  waiting: number;
}

const firstRetryMs = 60_000;
const lastRetryMs = 6 * 60 * 60 * 1000;
const healthKey = 'scans';

export class ScanRunner {
  /** Images whose scan failed: how often in a row, and when to try again. */
  private readonly retries = new Map<string, { failures: number; at: number }>();

  constructor(
    private readonly sink: IngestSink,
    private readonly images: RunningImages,
    private readonly settings: ScanSettings,
    private readonly health: FeedHealth,
    private readonly log: Logger,
  ) {
    health.track(healthKey);
  }

  /** watch scan: a pass every interval until stopped. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = Date.now();
      await this.pass(signal).catch((error) => {
        this.health.failed(healthKey, (error as Error).message);
        this.log.warn({ error: (error as Error).message }, 'the pass failed: trying again next interval');
      });
      await sleep(Math.max(0, this.settings.intervalMs - (Date.now() - started)), signal);
    }
    await this.close();
  }

  close(): Promise<void> {
    return this.images.close();
  }

  /** Scans what needs it once; resolves when every scan it started has ended. */
  async pass(signal: AbortSignal): Promise<PassCounts> {
    const now = Date.now();
    const wanted = (await this.images.list(this.settings.accountId, now)).filter((image) => image.inUseCount > 0 && this.wants(image));
    const due = wanted.filter((image) => (this.retries.get(image.resourceId)?.at ?? 0) <= now);
    const counts: PassCounts = { images: wanted.length, scanned: 0, failed: 0, waiting: wanted.length - due.length };
    let next = 0;
    const worker = async () => {
      while (next < due.length && !signal.aborted) {
        const image = due[next++]!;
        if (await this.scan(image)) counts.scanned++;
        else counts.failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.settings.parallel, due.length) }, worker));
    if (this.health.synced(healthKey)) this.log.info('recovered');
    this.log.info({ ...counts, ms: Date.now() - now }, 'scanned');
    return counts;
  }

  private wants(image: RunningImage): boolean {
    if (image.lastScannedAt === undefined) return this.settings.missing;
    return this.settings.stale && image.scanStatus.reason !== 'SUCCESSFUL';
  }

  /** One image: scanned and stored (true), or its failure recorded (false). */
  private async scan(image: RunningImage): Promise<boolean> {
    const reference = pullReference(image.repository, image.digest);
    const started = Date.now();
    let outcome: ScannerOutcome = await runScanner(this.settings.command.argv(reference), this.settings.timeoutMs);
    if (outcome.ok) {
      try {
        const summary = await this.sink.ingestText(`${this.settings.command.name} ${reference}`, outcome.stdout, { format: this.settings.command.format, accountId: this.settings.accountId, image: image.resourceId });
        this.retries.delete(image.resourceId);
        this.log.info({ image: reference, format: summary.format, findings: summary.findings, ms: Date.now() - started }, 'scanned an image');
        return true;
      } catch (error) {
        if (!(error instanceof IngestRejection)) throw error;
        outcome = { ok: false, reason: 'INTERNAL_ERROR', detail: `${this.settings.command.name} printed no report imagescope reads: ${error.reason}` };
      }
    }
    await this.recordFailure(image, reference, outcome);
    return false;
  }

  private async recordFailure(image: RunningImage, reference: string, outcome: Extract<ScannerOutcome, { ok: false }>): Promise<void> {
    const failures = (this.retries.get(image.resourceId)?.failures ?? 0) + 1;
    const waitMs = Math.min(lastRetryMs, firstRetryMs * 2 ** (failures - 1));
    this.retries.set(image.resourceId, { failures, at: Date.now() + waitMs });
    this.log.warn({ image: reference, reason: outcome.reason, detail: outcome.detail, failures, retryInMs: waitMs }, 'a scan failed');
    const status = { kind: scanStatusKind, image: image.resourceId, source: this.settings.command.name, reason: outcome.reason, detail: outcome.detail, time: new Date().toISOString() };
    await this.sink.ingest(`${this.settings.command.name} ${reference} (failed)`, [JSON.stringify(status)], { format: 'scan-status', accountId: this.settings.accountId });
  }
}
