// `imagescope watch inspector2`: pulls Amazon Inspector's container image findings (enhanced scanning)
// into imagescope, where they meet the runtime data of every cluster. Every interval, per region,
// ListFindings for resourceType AWS_ECR_CONTAINER_IMAGE updated since the newest `updatedAt` seen (less
// an overlap, so a finding updated while a page was read is not missed), every status, every page;
// each page is ingested as `aws inspector2 list-findings` output (the `inspector2` format), so each
// finding is stored by its findingArn with its status, and a CLOSED one closes. Once a day, and at
// start, the window is dropped for a full sweep that catches whatever a window missed. Credentials,
// region and endpoint come from the SDK's chains (AWS_ENDPOINT_URL_INSPECTOR2 too: it can read
// another imagescope); throttling is retried by the SDK.
import { Inspector2Client, paginateListFindings, type FilterCriteria } from '@aws-sdk/client-inspector2';
import type { Logger } from 'pino';
import { IngestRejection } from '../../ingest/ingest-rejection.ts';
import { sleep } from '../backoff.ts';
import type { FeedHealth } from '../feed-health.ts';
import type { IngestSink } from '../ingest-sink.ts';

export interface Inspector2FeedSettings {
  /** Empty: the SDK's region. */
  regions: string[];
  intervalMs: number;
  accountId: string;
}

/** Re-read this much before the newest update seen: Inspector's clock and eventual consistency. */
const overlapMs = 10 * 60 * 1000;
const fullSweepMs = 24 * 60 * 60 * 1000;
const maxAttempts = 8;

interface RegionWindow {
  /** Epoch ms of the newest `updatedAt` stored; undefined until the first sweep completes. */
  newestUpdate?: number;
  lastFullSweep: number;
}

export class Inspector2Poller {
  private readonly regions: { region: string | undefined; client: Inspector2Client; window: RegionWindow }[];

  constructor(
    private readonly sink: IngestSink,
    private readonly settings: Inspector2FeedSettings,
    private readonly health: FeedHealth,
    private readonly log: Logger,
  ) {
    const regions = settings.regions.length ? settings.regions : [undefined];
    this.regions = regions.map((region) => ({ region, client: new Inspector2Client({ ...(region && { region }), maxAttempts }), window: { lastFullSweep: 0 } }));
    for (const { region } of this.regions) health.track(regionKey(region));
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = Date.now();
      await Promise.all(this.regions.map((r) => this.poll(r.region, r.client, r.window, signal).catch((error) => this.failed(r.region, error))));
      await sleep(Math.max(0, this.settings.intervalMs - (Date.now() - started)), signal);
    }
    for (const { client } of this.regions) client.destroy();
  }

  private async poll(region: string | undefined, client: Inspector2Client, window: RegionWindow, signal: AbortSignal): Promise<void> {
    const started = Date.now();
    const full = window.newestUpdate === undefined || started - window.lastFullSweep >= fullSweepMs;
    const filterCriteria: FilterCriteria = {
      resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }],
      ...(!full && { updatedAt: [{ startInclusive: new Date(window.newestUpdate! - overlapMs) }] }),
    };
    let newest = window.newestUpdate ?? 0;
    const counts = { findings: 0, pages: 0, applied: 0 };
    const clientRegion = await client.config.region();
    for await (const page of paginateListFindings({ client, pageSize: 100 }, { filterCriteria })) {
      if (signal.aborted) return;
      const findings = page.findings ?? [];
      counts.pages++;
      if (findings.length === 0) continue;
      for (const f of findings) newest = Math.max(newest, f.updatedAt?.getTime() ?? 0);
      counts.findings += findings.length;
      counts.applied += await this.write(findings, clientRegion);
    }
    // Moved only once every page is stored: a poll cut short reads its window again.
    window.newestUpdate = newest || started;
    if (full) window.lastFullSweep = started;
    if (this.health.synced(regionKey(region))) this.log.info({ region: clientRegion }, 'recovered');
    this.log.info({ region: clientRegion, sweep: full ? 'full' : 'window', ...counts, newestUpdate: new Date(window.newestUpdate).toISOString(), ms: Date.now() - started }, 'polled');
  }

  /** One page as `aws inspector2 list-findings` prints it; returns the findings applied. */
  private async write(findings: object[], region: string): Promise<number> {
    try {
      const summary = await this.sink.ingest(`inspector2 ${region} findings`, [JSON.stringify({ findings })], { format: 'inspector2', accountId: this.settings.accountId, region });
      return summary.applied;
    } catch (error) {
      if (!(error instanceof IngestRejection)) throw error;
      // Nothing of the page is stored; the next full sweep reads it again.
      this.log.error({ region, error: error.message }, 'the ingest rejected a page of findings: skipped');
      return 0;
    }
  }

  private failed(region: string | undefined, error: unknown): void {
    const { name, message } = error as Error;
    this.health.failed(regionKey(region), `${name}: ${message}`);
    if (name === 'AccessDeniedException') {
      const action = /not authorized to perform: (inspector2:\w+)/.exec(message)?.[1] ?? 'inspector2:ListFindings';
      this.log.error({ region, missingPermission: action, error: message }, `permission missing: ${action} (see deploy/aws/inspector2-watcher-policy.json)`);
    } else {
      this.log.warn({ region, error: `${name}: ${message}` }, 'poll failed: retrying next interval');
    }
  }
}

function regionKey(region: string | undefined): string {
  return `region ${region ?? '(SDK default)'}`;
}
