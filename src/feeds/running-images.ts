// Which images a findings feed looks at: those of the account that run now or ran lately, with the
// state of their scan, as coverage sees them. From the store itself (--db: the fleet and coverage's
// own mapping), or from a running server (--endpoint: its Inspector2 ListCoverage, every page), so a
// feed beside a server asks it rather than the database. Either way the answer is ListCoverage's.
import { Inspector2Client, paginateListCoverage } from '@aws-sdk/client-inspector2';
import { parseResourceId } from '../domain/images.ts';
import { FleetReader } from '../read-models/fleet.ts';
import { scanWindows } from '../server/config.ts';
import { coveredEntries, scanStatusOf, type ScanStatus } from '../services/inspector2/coverage/covered-resources.ts';
import { openStore } from '../store/open-store.ts';
import type { SinkTarget } from './ingest-sink.ts';

export interface RunningImage {
  resourceId: string;
  /** The repository ARN. */
  repository: string;
  digest: string;
  inUseCount: number;
  /** Epoch ms; undefined when never seen in use. */
  lastInUseAt?: number;
  /** Epoch ms of its newest scan; undefined when never scanned. */
  lastScannedAt?: number;
  scanStatus: ScanStatus;
}

export interface RunningImages {
  /** The account's images in use now or since `since` (epoch ms). */
  list(accountId: string, since: number): Promise<RunningImage[]>;
  close(): Promise<void>;
}

export async function openRunningImages(target: SinkTarget): Promise<RunningImages> {
  return target.endpoint ? endpointImages(target.endpoint) : storeImages(target.db);
}

const inUseSince = (image: RunningImage, since: number) => image.inUseCount > 0 || (image.lastInUseAt ?? 0) >= since;

async function storeImages(db: string): Promise<RunningImages> {
  const store = await openStore(db, { cacheKiB: 2048 });
  const fleet = new FleetReader(store);
  const { scanFreshnessMs, retentionMs } = scanWindows();
  return {
    async list(accountId, since) {
      const windows = { now: Date.now(), freshnessMs: scanFreshnessMs, retentionMs };
      return coveredEntries(await fleet.read(accountId))
        .filter((entry) => entry.resourceType === 'AWS_ECR_CONTAINER_IMAGE')
        .map((entry) => {
          const { repository, digest } = parseResourceId(entry.resourceId)!;
          return { resourceId: entry.resourceId, repository, digest: digest!, inUseCount: entry.inUseCount, lastInUseAt: entry.lastInUseAt, lastScannedAt: entry.lastScannedAt, scanStatus: scanStatusOf(entry, windows) };
        })
        .filter((image) => inUseSince(image, since));
    },
    close: () => store.close(),
  };
}

/**
 * A server's ListCoverage, signed with the key of IMAGESCOPE_INGEST_TOKEN (`<id>:<secret>`) where one
 * is given: a feed that reads what runs and writes findings needs a key of role admin on a server
 * with --auth sigv4. Without a token the account id signs as the key id, which is how a server with
 * --auth none tells the account (the feed's own AWS credentials are for AWS, never sent here).
 */
function endpointImages(endpoint: string): RunningImages {
  const [tokenId, tokenSecret] = (process.env.IMAGESCOPE_INGEST_TOKEN ?? '').split(':');
  const clients = new Map<string, Inspector2Client>();
  const clientFor = (accountId: string) => {
    const credentials = tokenId && tokenSecret ? { accessKeyId: tokenId, secretAccessKey: tokenSecret } : { accessKeyId: accountId, secretAccessKey: 'imagescope' };
    if (!clients.has(accountId)) clients.set(accountId, new Inspector2Client({ endpoint, region: process.env.AWS_REGION || 'us-east-1', credentials }));
    return clients.get(accountId)!;
  };
  return {
    async list(accountId, since) {
      const client = clientFor(accountId);
      const images: RunningImage[] = [];
      const pages = paginateListCoverage({ client }, { filterCriteria: { resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }] } });
      for await (const page of pages) {
        for (const resource of page.coveredResources ?? []) {
          const parsed = parseResourceId(resource.resourceId ?? '');
          if (!parsed?.digest) continue;
          const ecrImage = resource.resourceMetadata?.ecrImage;
          images.push({
            resourceId: resource.resourceId!,
            repository: parsed.repository,
            digest: parsed.digest,
            inUseCount: ecrImage?.inUseCount ?? 0,
            lastInUseAt: ecrImage?.lastInUseAt?.getTime(),
            lastScannedAt: resource.lastScannedAt?.getTime(),
            scanStatus: { statusCode: resource.scanStatus!.statusCode as ScanStatus['statusCode'], reason: resource.scanStatus!.reason as ScanStatus['reason'] },
          });
        }
      }
      return images.filter((image) => inUseSince(image, since));
    },
    close: async () => {
      for (const client of clients.values()) client.destroy();
    },
  };
}
