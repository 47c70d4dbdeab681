// `imagescope watch ecr`: every interval, each ECR image of a polled region that runs now or ran in the
// last 24 hours (running-images.ts: the store's view, or the server's), asked for its scan
// (DescribeImageScanFindings, every page). A COMPLETE or ACTIVE scan is ingested as the image's
// findings from source `ecr` (the `ecr` format: the response, its pages merged, as the AWS CLI prints
// it); a scan that failed, or ECR's ScanNotFoundException, is ingested as the image's scan status. A
// scan whose completion time (or, for continuous scans without one, whose content) is what was
// written last is skipped after its first page, so a quiet poll writes nothing. Throttling is retried by
// the SDK; AccessDeniedException is logged with the IAM action it lacks, and the other images go on.
import { createHash } from 'node:crypto';
import { DescribeImageScanFindingsCommand, ECRClient, type DescribeImageScanFindingsCommandOutput } from '@aws-sdk/client-ecr';
import type { Logger } from 'pino';
import { ecrRepositoryOf } from '../../domain/images.ts';
import { IngestRejection } from '../../ingest/ingest-rejection.ts';
import { sleep } from '../backoff.ts';
import type { FeedHealth } from '../feed-health.ts';
import type { IngestSink } from '../ingest-sink.ts';
import type { RunningImage, RunningImages } from '../running-images.ts';

export interface EcrFeedSettings {
  /** Empty: the SDK's region. */
  regions: string[];
  intervalMs: number;
  accountId: string;
}

/** Images that stopped running within this long are still polled (a rollback brings them back). */
const recentUseMs = 24 * 60 * 60 * 1000;
const maxAttempts = 8;
/** Images asked about at once per region: ECR's DescribeImageScanFindings allows a few per second. */
const concurrency = 4;
/** Scans written per ingest. */
const batchSize = 50;

/** One image's scan as it is ingested, and what it records as written. */
interface Scan {
  resourceId: string;
  document: string;
  state: string;
}

interface ImageToPoll {
  image: RunningImage;
  registryId: string;
  repositoryName: string;
}

export class EcrPoller {
  private readonly clients: { region: string | undefined; client: ECRClient }[];
  /** What was written last per image: its scan's completion time or content hash, or its failure. */
  private readonly written = new Map<string, string>();

  constructor(
    private readonly sink: IngestSink,
    private readonly images: RunningImages,
    private readonly settings: EcrFeedSettings,
    private readonly health: FeedHealth,
    private readonly log: Logger,
  ) {
    const regions = settings.regions.length ? settings.regions : [undefined];
    this.clients = regions.map((region) => ({ region, client: new ECRClient({ ...(region && { region }), maxAttempts }) }));
    for (const { region } of this.clients) health.track(regionKey(region));
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = Date.now();
      await Promise.all(this.clients.map(({ region, client }) => this.pollRegion(region, client, signal).catch((error) => this.regionFailed(region, error))));
      await sleep(Math.max(0, this.settings.intervalMs - (Date.now() - started)), signal);
    }
    for (const { client } of this.clients) client.destroy();
    await this.images.close();
  }

  private async pollRegion(region: string | undefined, client: ECRClient, signal: AbortSignal): Promise<void> {
    const started = Date.now();
    const clientRegion = await client.config.region();
    const images = (await this.images.list(this.settings.accountId, started - recentUseMs)).flatMap((image): ImageToPoll[] => {
      const ecr = ecrRepositoryOf(image.repository);
      return ecr && ecr.region === clientRegion ? [{ image, registryId: ecr.accountId, repositoryName: ecr.name }] : [];
    });
    const pending: Scan[] = [];
    const counts = { images: images.length, written: 0, unchanged: 0, inProgress: 0, denied: 0, failed: 0 };
    let next = 0;
    const worker = async () => {
      while (next < images.length && !signal.aborted) {
        const item = images[next++]!;
        const scan = await this.pollImage(client, item).catch((error) => this.imageFailed(region, item, error, counts));
        if (scan === 'unchanged' || scan === 'inProgress') counts[scan]++;
        else if (scan) pending.push(scan);
        if (pending.length >= batchSize) counts.written += await this.write(pending.splice(0), clientRegion);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, images.length) }, worker));
    counts.written += await this.write(pending, clientRegion);
    if (counts.denied === 0 && this.health.synced(regionKey(region))) this.log.info({ region: clientRegion }, 'recovered');
    this.log.info({ region: clientRegion, ...counts, ms: Date.now() - started }, 'polled');
  }

  /** The scan to ingest, or why there is none to. */
  private async pollImage(client: ECRClient, { image, registryId, repositoryName }: ImageToPoll): Promise<Scan | 'unchanged' | 'inProgress'> {
    const request = { registryId, repositoryName, imageId: { imageDigest: image.digest }, maxResults: 1000 };
    let first: DescribeImageScanFindingsCommandOutput;
    try {
      first = await client.send(new DescribeImageScanFindingsCommand(request));
    } catch (error) {
      if ((error as Error).name !== 'ScanNotFoundException') throw error;
      // No scan of the image: recorded as a status (coverage: PENDING_INITIAL_SCAN, with ECR's words).
      const state = 'SCAN_NOT_FOUND';
      if (this.written.get(image.resourceId) === state) return 'unchanged';
      return { resourceId: image.resourceId, state, document: JSON.stringify({ registryId, repositoryName, imageId: { imageDigest: image.digest }, imageScanStatus: { status: state, description: (error as Error).message } }) };
    }
    const status = first.imageScanStatus?.status ?? 'UNKNOWN';
    // Its outcome comes with a later poll.
    if (status === 'IN_PROGRESS' || status === 'PENDING') return 'inProgress';
    const completedAt = first.imageScanFindings?.imageScanCompletedAt?.getTime();
    if (completedAt !== undefined && this.written.get(image.resourceId) === `${status}@${completedAt}`) return 'unchanged';
    const findings = [...(first.imageScanFindings?.findings ?? [])];
    const enhancedFindings = [...(first.imageScanFindings?.enhancedFindings ?? [])];
    for (let token = first.nextToken; token; ) {
      const page = await client.send(new DescribeImageScanFindingsCommand({ ...request, nextToken: token }));
      findings.push(...(page.imageScanFindings?.findings ?? []));
      enhancedFindings.push(...(page.imageScanFindings?.enhancedFindings ?? []));
      token = page.nextToken;
    }
    const { $metadata: _, nextToken: __, ...response } = first;
    const document = JSON.stringify({ ...response, imageId: { ...response.imageId, imageDigest: image.digest }, ...(response.imageScanFindings && { imageScanFindings: { ...response.imageScanFindings, findings, enhancedFindings } }) });
    // A continuous scan may say no completion time: its content tells a change.
    const state = completedAt !== undefined ? `${status}@${completedAt}` : `${status}#${createHash('sha256').update(document).digest('base64')}`;
    if (this.written.get(image.resourceId) === state) return 'unchanged';
    return { resourceId: image.resourceId, document, state };
  }

  /** Ingests the scans as one input; returns how many were written. A scan not written is asked for again next poll. */
  private async write(scans: Scan[], region: string): Promise<number> {
    if (scans.length === 0) return 0;
    try {
      await this.sink.ingest(`ecr ${region} scans`, scans.map((s) => s.document), { format: 'ecr', accountId: this.settings.accountId, region });
    } catch (error) {
      if (!(error instanceof IngestRejection)) throw error;
      this.log.error({ region, error: error.message }, 'the ingest rejected scans: skipped');
      return 0;
    }
    for (const scan of scans) this.written.set(scan.resourceId, scan.state);
    return scans.length;
  }

  private imageFailed(region: string | undefined, { image }: ImageToPoll, error: unknown, counts: { denied: number; failed: number }): undefined {
    const { name, message } = error as Error;
    if (name === 'AccessDeniedException') {
      counts.denied++;
      const action = /not authorized to perform: (ecr:\w+)/.exec(message)?.[1] ?? 'ecr:DescribeImageScanFindings';
      this.health.failed(regionKey(region), `${name}: ${message}`);
      this.log.error({ image: image.resourceId, missingPermission: action, error: message }, `permission missing: ${action} (see deploy/aws/ecr-watcher-policy.json)`);
    } else {
      counts.failed++;
      this.log.warn({ image: image.resourceId, error: `${name}: ${message}` }, 'could not read the image\'s scan: retrying next interval');
    }
    return undefined;
  }

  private regionFailed(region: string | undefined, error: unknown): void {
    const { name, message } = error as Error;
    this.health.failed(regionKey(region), `${name}: ${message}`);
    this.log.warn({ region, error: `${name}: ${message}` }, 'poll failed: retrying next interval');
  }
}

function regionKey(region: string | undefined): string {
  return `region ${region ?? '(SDK default)'}`;
}
