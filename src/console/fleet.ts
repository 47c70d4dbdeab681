// The account's images as the console's lists see them: each scanned image with its counts, runtime
// and vulnerability ids, plus the images running without a scan. Read per request from the summary
// rollups (one row per image; see store/image-summaries.ts and store/image-runtime.ts). The images'
// vulnerability lists are parsed once and kept by image and revision, so a request reads only the
// lists of images whose findings changed since: the per-vulnerability figures are then sums over
// typed arrays in memory, never a scan of findings. What is kept is only a copy of rows the
// database holds, checked against their revision on every request; every replica keeps its own.
import { severities, type Severity } from '../ingest/findings/severity.ts';
import { resourceIdOf } from '../ingest/images.ts';
import { countsBySeverity, parseVulnerabilityLines } from '../store/image-summaries.ts';
import { parseClusterUnits, type ClusterUnits } from '../store/image-runtime.ts';
import type { ConsoleImageRow, ConsoleRuntimeRow, Store } from '../store/store.ts';

export interface FleetRuntime {
  runningUnits: number;
  /** Epoch ms; 0 when never seen in use. */
  lastInUse: number;
  /** The clusters running the image now, with its units there. */
  clusters: ClusterUnits[];
}

export interface FleetImage extends FleetRuntime {
  imageId: number;
  resourceId: string;
  repository: string;
  digest: string;
  imagePipelineArn?: string;
  imageBuildVersionArn?: string;
  /** Occurrences by severity. */
  counts: Record<Severity, number>;
  all: number;
  fixable: { all: number; critical: number; high: number };
  uniqueVulnerabilities: number;
  /** Rank of the worst severity found (0 CRITICAL ... 5 UNTRIAGED); 6 when it has no active findings. */
  worstRank: number;
  /** Indexes into Fleet.vulnerabilityIds, and each one's worst severity rank and fix in this image. */
  vulnerabilities: ParsedVulnerabilities;
}

/** An image running now that has no scan: it has no counts, but the Clusters page shows it. */
export interface UnscannedImage extends FleetRuntime {
  resourceId: string;
  repository: string;
  digest: string;
}

export interface ParsedVulnerabilities {
  revision: number;
  index: Int32Array;
  rank: Uint8Array;
  fixable: Uint8Array;
}

export interface Fleet {
  images: FleetImage[];
  unscanned: UnscannedImage[];
  /** Every vulnerability id the images' lists name (some may no longer be carried by any image). */
  vulnerabilityIds: readonly string[];
}

const emptyRuntime: FleetRuntime = { runningUnits: 0, lastInUse: 0, clusters: [] };

/** Parsed lists of one account, and the ids they intern. */
class AccountLists {
  readonly ids: string[] = [];
  private readonly indexOf = new Map<string, number>();
  readonly byImage = new Map<number, ParsedVulnerabilities>();

  parse(revision: number, text: string): ParsedVulnerabilities {
    const lines = parseVulnerabilityLines(text);
    const parsed: ParsedVulnerabilities = { revision, index: new Int32Array(lines.length), rank: new Uint8Array(lines.length), fixable: new Uint8Array(lines.length) };
    lines.forEach((v, i) => {
      let index = this.indexOf.get(v.vulnerabilityId);
      if (index === undefined) {
        index = this.ids.length;
        this.ids.push(v.vulnerabilityId);
        this.indexOf.set(v.vulnerabilityId, index);
      }
      parsed.index[i] = index;
      parsed.rank[i] = v.rank;
      parsed.fixable[i] = v.fixable ? 1 : 0;
    });
    return parsed;
  }
}

/** Accounts whose lists are kept; the least recently read is dropped beyond this. */
const accountsKept = 16;

export class FleetReader {
  private readonly accounts = new Map<string, AccountLists>();

  constructor(private readonly store: Store) {}

  async read(accountId: string): Promise<Fleet> {
    const [rows, runtime] = await Promise.all([this.store.consoleImages(accountId), this.store.consoleRuntime(accountId)]);
    const lists = this.listsOf(accountId);
    const stale = rows.filter((r) => r.revision !== null && lists.byImage.get(Number(r.image_id))?.revision !== Number(r.revision)).map((r) => Number(r.image_id));
    if (stale.length > 0) {
      // A cold start reads every list in one range rather than by ids.
      const fetched = await this.store.imageVulnerabilityLists(accountId, stale.length === rows.length ? undefined : stale);
      for (const [imageId, list] of fetched) lists.byImage.set(imageId, lists.parse(list.revision, list.vulnerabilities));
    }
    const runtimeByKey = new Map(runtime.map((r) => [`${r.image_repository}\u0000${r.image_digest}`, r]));
    const images = rows.map((row) => fleetImage(row, runtimeByKey, lists));
    const unscanned = [...runtimeByKey.values()].filter((r) => Number(r.running_count) > 0).map((r) => ({
      resourceId: resourceIdOf({ repository: r.image_repository, digest: r.image_digest }),
      repository: r.image_repository,
      digest: r.image_digest,
      ...runtimeOf(r),
    }));
    return { images, unscanned, vulnerabilityIds: lists.ids };
  }

  private listsOf(accountId: string): AccountLists {
    let lists = this.accounts.get(accountId);
    if (lists) this.accounts.delete(accountId);
    else lists = new AccountLists();
    this.accounts.set(accountId, lists);
    if (this.accounts.size > accountsKept) this.accounts.delete(this.accounts.keys().next().value!);
    return lists;
  }
}

const noVulnerabilities: ParsedVulnerabilities = { revision: -1, index: new Int32Array(0), rank: new Uint8Array(0), fixable: new Uint8Array(0) };

/** Builds the image and takes its runtime row out of `runtimeByKey` (what is left runs unscanned). */
function fleetImage(row: ConsoleImageRow, runtimeByKey: Map<string, ConsoleRuntimeRow>, lists: AccountLists): FleetImage {
  const key = `${row.image_repository}\u0000${row.image_digest}`;
  const runtime = runtimeByKey.get(key);
  runtimeByKey.delete(key);
  const counts = countsBySeverity(row);
  const worst = severities.findIndex((s) => counts[s] > 0);
  return {
    imageId: Number(row.image_id),
    resourceId: resourceIdOf({ repository: row.image_repository, digest: row.image_digest }),
    repository: row.image_repository,
    digest: row.image_digest,
    ...(row.image_pipeline_arn && { imagePipelineArn: row.image_pipeline_arn }),
    ...(row.image_build_version_arn && { imageBuildVersionArn: row.image_build_version_arn }),
    counts,
    all: Number(row.count_all ?? 0),
    fixable: { all: Number(row.fixable_all ?? 0), critical: Number(row.fixable_critical ?? 0), high: Number(row.fixable_high ?? 0) },
    uniqueVulnerabilities: Number(row.vulnerability_count ?? 0),
    worstRank: worst === -1 ? severities.length : worst,
    vulnerabilities: lists.byImage.get(Number(row.image_id)) ?? noVulnerabilities,
    ...(runtime ? runtimeOf(runtime) : emptyRuntime),
  };
}

function runtimeOf(r: ConsoleRuntimeRow): FleetRuntime {
  return { runningUnits: Number(r.running_count), lastInUse: Number(r.last_in_use), clusters: parseClusterUnits(r.running_cluster_units) };
}
