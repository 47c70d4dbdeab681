// The account's images as the console's lists see them: each scanned image with its counts, runtime
// and vulnerability ids, plus the images running without a scan. Read per request from the summary
// rollups (one narrow row per image; see store/image-summaries.ts and store/image-runtime.ts). The
// images' vulnerability and cluster lists are parsed once and kept by image and revision, so a request
// reads only the lists of images that changed since: the per-vulnerability figures are then sums over
// typed arrays in memory, never a scan of findings. While the account's console version (one row,
// moved by every ingest that changes these rows) stands, the fleet built before is served again. What
// is kept is only a copy of rows the database holds; every replica keeps its own.
import { severities, type Severity } from '../domain/severity.ts';
import { resourceIdOf } from '../domain/images.ts';
import { countsBySeverity, parseVulnerabilityLines } from '../store/image-summaries.ts';
import { parseClusterUnits, type ClusterUnits } from '../store/image-runtime.ts';
import type { ConsoleImageRow, ConsoleRuntimeRow, Store } from '../store/store.ts';
import type { ScanFailureRow } from '../store/scan-failures.ts';
import type { ScanFailureReason } from '../domain/scan-status.ts';
import { Interned, PerAccount } from '../domain/per-account.ts';

export interface FleetRuntime {
  runningUnits: number;
  /** Epoch ms; 0 when never seen in use. */
  lastInUse: number;
  /** The clusters running the image now, with its units there. */
  clusters: ClusterUnits[];
  /** The same clusters as indexes into Fleet.clusterArns. */
  clusterIndexes: Int32Array;
}

export interface FleetImage extends FleetRuntime {
  imageId: number;
  resourceId: string;
  repository: string;
  digest: string;
  imagePipelineArn?: string;
  imageBuildVersionArn?: string;
  /** The tags reports gave it. */
  tags: string[];
  /** The layers its findings name (occurrences refer to them by place). */
  layers: string[];
  /** Occurrences by severity. */
  counts: Record<Severity, number>;
  all: number;
  fixable: { all: number; critical: number; high: number };
  uniqueVulnerabilities: number;
  /** Rank of the worst severity found (0 CRITICAL ... 5 UNTRIAGED); 6 when it has no active findings. */
  worstRank: number;
  /** Indexes into Fleet.vulnerabilityIds, and each one's worst severity rank and fix in this image. */
  vulnerabilities: ParsedVulnerabilities;
  /** Other digests of this image whose runtime use counts as its own (see runtimeByImage). */
  linkedDigests: string[];
  /** Epoch ms of its newest report of any source; undefined when none is recorded. */
  lastScannedAt?: number;
  scanFailure?: FleetScanFailure;
}

/** The newest scan of the image that gave no findings (any source), and why. */
export interface FleetScanFailure {
  source: string;
  reason: ScanFailureReason;
  detail: string;
  at: number;
}

/** An image seen running (now or before) that has no scan: it has no counts, but the Clusters and Coverage pages show it. */
export interface UnscannedImage extends FleetRuntime {
  resourceId: string;
  repository: string;
  digest: string;
  scanFailure?: FleetScanFailure;
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
  /** The index of each of those ids. */
  vulnerabilityIndex: ReadonlyMap<string, number>;
  /** Every cluster ARN the cluster lists name (some may no longer run anything). */
  clusterArns: readonly string[];
}

const noClusters = { clusters: [], clusterIndexes: new Int32Array(0) };
const emptyRuntime: FleetRuntime = { runningUnits: 0, lastInUse: 0, ...noClusters };

/** Parsed lists of one account, and the ids they intern. */
class AccountLists {
  readonly vulnerabilities = new Interned();
  readonly clusterArns = new Interned();
  readonly byImage = new Map<number, ParsedVulnerabilities>();
  /** Running images' clusters by `repository\0digest`, with the runtime revision they were read at. */
  readonly clustersByImage = new Map<string, { revision: number; clusters: ClusterUnits[]; clusterIndexes: Int32Array }>();
  /** The fleet last built, and the account's console version it was built at. */
  last?: { version: number; fleet: Fleet };

  internClusters(clusters: ClusterUnits[]): Int32Array {
    return Int32Array.from(clusters, (c) => this.clusterArns.index(c.clusterArn));
  }

  parse(revision: number, text: string): ParsedVulnerabilities {
    const lines = parseVulnerabilityLines(text);
    const parsed: ParsedVulnerabilities = { revision, index: new Int32Array(lines.length), rank: new Uint8Array(lines.length), fixable: new Uint8Array(lines.length) };
    lines.forEach((v, i) => {
      parsed.index[i] = this.vulnerabilities.index(v.vulnerabilityId);
      parsed.rank[i] = v.rank;
      parsed.fixable[i] = v.fixable ? 1 : 0;
    });
    return parsed;
  }
}

export class FleetReader {
  private readonly accounts = new PerAccount(() => new AccountLists());

  constructor(private readonly store: Store) {}

  async read(accountId: string): Promise<Fleet> {
    const lists = this.accounts.get(accountId);
    // Read before the rows: an ingest committed in between leaves a newer version than the one kept,
    // so the next request reads again rather than keep rows older than they look.
    const version = await this.store.consoleVersion(accountId);
    if (lists.last?.version === version) return lists.last.fleet;
    const [rows, runtime, links, failureRows] = await Promise.all([this.store.consoleImages(accountId), this.store.consoleRuntime(accountId), this.store.imageDigestLinks(accountId), this.store.scanFailures(accountId)]);
    await Promise.all([this.refreshVulnerabilities(accountId, lists, rows), this.refreshClusters(accountId, lists, runtime)]);
    const runtimeByKey = runtimeByImage(rows, runtime, links);
    const failures = newestFailures(failureRows);
    const images = rows.map((row) => withFailure(fleetImage(row, runtimeByKey, lists), failures));
    const unscanned = [...runtimeByKey.values()].map((uses) => withFailure({
      resourceId: resourceIdOf({ repository: uses[0]!.image_repository, digest: uses[0]!.image_digest }),
      repository: uses[0]!.image_repository,
      digest: uses[0]!.image_digest,
      ...runtimeOf(uses, lists),
    }, failures));
    const fleet = { images, unscanned, vulnerabilityIds: lists.vulnerabilities.values, vulnerabilityIndex: lists.vulnerabilities.indexes, clusterArns: lists.clusterArns.values };
    lists.last = { version, fleet };
    return fleet;
  }

  /** Parses the vulnerability lists whose summary moved since they were parsed (all of them, at first, in one range). */
  private async refreshVulnerabilities(accountId: string, lists: AccountLists, rows: ConsoleImageRow[]): Promise<void> {
    const stale = rows.filter((r) => r.revision !== null && lists.byImage.get(Number(r.image_id))?.revision !== Number(r.revision)).map((r) => Number(r.image_id));
    if (stale.length === 0) return;
    const fetched = await this.store.imageVulnerabilityLists(accountId, stale.length > rows.length / 2 ? undefined : stale);
    for (const [imageId, list] of fetched) lists.byImage.set(imageId, lists.parse(list.revision, list.vulnerabilities));
  }

  /** The same for the cluster lists of running images, by their runtime row's revision. */
  private async refreshClusters(accountId: string, lists: AccountLists, runtime: ConsoleRuntimeRow[]): Promise<void> {
    const stale = runtime.filter((r) => Number(r.running_count) > 0 && lists.clustersByImage.get(`${r.image_repository}\u0000${r.image_digest}`)?.revision !== Number(r.revision));
    if (stale.length === 0) return;
    const all = stale.length > runtime.length / 2;
    const fetched = await this.store.imageClusterLists(accountId, all ? undefined : stale.map((r) => ({ repository: r.image_repository, digest: r.image_digest })));
    for (const r of stale) {
      const key = `${r.image_repository}\u0000${r.image_digest}`;
      const clusters = parseClusterUnits(fetched.get(key) ?? '');
      lists.clustersByImage.set(key, { revision: Number(r.revision), clusters, clusterIndexes: lists.internClusters(clusters) });
    }
  }
}

const noVulnerabilities: ParsedVulnerabilities = { revision: -1, index: new Int32Array(0), rank: new Uint8Array(0), fixable: new Uint8Array(0) };

const keyOf = (repository: string, digest: string) => `${repository}\u0000${digest}`;

/**
 * Runtime rows by the image they count for: their own digest's, or, for a digest a report links to a
 * scanned image (and that was not scanned itself), that image's: one image where the data links them.
 */
function runtimeByImage(rows: ConsoleImageRow[], runtime: ConsoleRuntimeRow[], links: { image_repository: string; linked_digest: string; image_digest: string }[]): Map<string, ConsoleRuntimeRow[]> {
  const scanned = new Set(rows.map((r) => keyOf(r.image_repository, r.image_digest)));
  const linkedTo = new Map(links.filter((l) => scanned.has(keyOf(l.image_repository, l.image_digest)) && !scanned.has(keyOf(l.image_repository, l.linked_digest)))
    .map((l) => [keyOf(l.image_repository, l.linked_digest), keyOf(l.image_repository, l.image_digest)]));
  const out = new Map<string, ConsoleRuntimeRow[]>();
  for (const r of runtime) {
    const own = keyOf(r.image_repository, r.image_digest);
    const key = linkedTo.get(own) ?? own;
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push(r);
  }
  return out;
}

/** Builds the image and takes its runtime rows out of `runtimeByKey` (what is left runs unscanned). */
function fleetImage(row: ConsoleImageRow, runtimeByKey: Map<string, ConsoleRuntimeRow[]>, lists: AccountLists): FleetImage {
  const key = keyOf(row.image_repository, row.image_digest);
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
    tags: row.image_tags ? row.image_tags.split(',') : [],
    layers: row.layer_hashes ? row.layer_hashes.split(',') : [],
    counts,
    all: Number(row.count_all ?? 0),
    fixable: { all: Number(row.fixable_all ?? 0), critical: Number(row.fixable_critical ?? 0), high: Number(row.fixable_high ?? 0) },
    uniqueVulnerabilities: Number(row.vulnerability_count ?? 0),
    worstRank: worst === -1 ? severities.length : worst,
    vulnerabilities: lists.byImage.get(Number(row.image_id)) ?? noVulnerabilities,
    linkedDigests: (runtime ?? []).map((r) => r.image_digest).filter((d) => d !== row.image_digest),
    ...(row.last_scanned_at !== null && Number(row.last_scanned_at) > 0 && { lastScannedAt: Number(row.last_scanned_at) }),
    ...(runtime ? runtimeOf(runtime, lists) : emptyRuntime),
  };
}

/** The newest failed scan of each image, by `repository\0digest`. */
function newestFailures(rows: ScanFailureRow[]): Map<string, FleetScanFailure> {
  const out = new Map<string, FleetScanFailure>();
  for (const r of rows) {
    const key = keyOf(r.image_repository, r.image_digest);
    const at = Number(r.failed_at);
    if ((out.get(key)?.at ?? -1) < at) out.set(key, { source: r.source, reason: r.reason as ScanFailureReason, detail: r.detail, at });
  }
  return out;
}

function withFailure<T extends { repository: string; digest: string; scanFailure?: FleetScanFailure }>(image: T, failures: Map<string, FleetScanFailure>): T {
  const failure = failures.get(keyOf(image.repository, image.digest));
  if (failure) image.scanFailure = failure;
  return image;
}

/** One image's use over its runtime rows (more than one where digests are linked): units summed, clusters merged. */
function runtimeOf(uses: ConsoleRuntimeRow[], lists: AccountLists): FleetRuntime {
  const parts = uses.map((r) => {
    const runningUnits = Number(r.running_count);
    const cached = runningUnits > 0 ? lists.clustersByImage.get(keyOf(r.image_repository, r.image_digest)) : undefined;
    return { runningUnits, lastInUse: Number(r.last_in_use), clusters: cached?.clusters ?? [], clusterIndexes: cached?.clusterIndexes ?? noClusters.clusterIndexes };
  });
  if (parts.length === 1) return parts[0]!;
  const clusters = new Map<string, ClusterUnits>();
  for (const c of parts.flatMap((p) => p.clusters)) {
    const seen = clusters.get(c.clusterArn);
    clusters.set(c.clusterArn, seen ? { ...seen, runningUnits: seen.runningUnits + c.runningUnits } : c);
  }
  const merged = [...clusters.values()];
  return {
    runningUnits: parts.reduce((n, p) => n + p.runningUnits, 0),
    lastInUse: Math.max(...parts.map((p) => p.lastInUse)),
    clusters: merged,
    clusterIndexes: lists.internClusters(merged),
  };
}

const derived = new WeakMap<object, Map<string, unknown>>();

/**
 * What a view derives from a read model (a fleet, its occurrences), built once per model: the same
 * model comes back while the account's console version stands.
 */
export function derivedOnce<O extends object, T>(owner: O, name: string, build: (owner: O) => T): T {
  let values = derived.get(owner);
  if (!values) derived.set(owner, (values = new Map()));
  if (!values.has(name)) values.set(name, build(owner));
  return values.get(name) as T;
}
