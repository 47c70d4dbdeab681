// What Inspector2's coverage lists, from the fleet: every image that was scanned or seen running
// (AWS_ECR_CONTAINER_IMAGE) and every repository of those images (AWS_ECR_REPOSITORY), with the one
// mapping of what imagescope knows onto the model's scan status codes and reasons:
//   no scan, in use within the retention window        INACTIVE / PENDING_INITIAL_SCAN
//   neither scanned nor in use within the window       INACTIVE / SCAN_ELIGIBILITY_EXPIRED
//   newest scan within the freshness window            ACTIVE   / SUCCESSFUL
//   otherwise, a failed scan newer than the newest     INACTIVE / the failure's reason (ECR's FAILED,
//     scan (ECR, a scanner run)                                   UNSUPPORTED_IMAGE, a scanner error ...)
//   newest scan older than that                        ACTIVE   / STALE_INVENTORY
// An image running now is in use now, whatever its units' last observation says. A repository is
// covered as one image would be with its images' newest scan and use.
import { inRanges, matchesText, rangeOfFilter, type TextCriterion } from '../../../domain/finding-criteria.ts';
import { repositoryParts } from '../../../domain/images.ts';
import type { Fleet, UnscannedImage } from '../../../read-models/fleet.ts';
import { derivedOnce, type FleetScanFailure } from '../../../read-models/fleet.ts';
import type { ScanFailureReason } from '../../../domain/scan-status.ts';

export type CoverageResourceType = 'AWS_ECR_CONTAINER_IMAGE' | 'AWS_ECR_REPOSITORY';

/** A covered resource as the fleet gives it; its status depends on the clock, so it is computed per request. */
export interface CoveredEntry {
  resourceType: CoverageResourceType;
  resourceId: string;
  accountId: string;
  region: string;
  repositoryName: string;
  /** Images only. */
  tags?: string[];
  /** Epoch ms of the newest report; undefined when never scanned. */
  lastScannedAt?: number;
  /** Epoch ms of the last use seen; undefined when never seen running. */
  lastInUseAt?: number;
  /** Running units now (for a repository, its images'). */
  inUseCount: number;
  /** Images only: the newest scan that gave no findings. */
  scanFailure?: FleetScanFailure;
}

export interface ScanStatus {
  statusCode: 'ACTIVE' | 'INACTIVE';
  reason: 'SUCCESSFUL' | 'STALE_INVENTORY' | ScanFailureReason;
}

export interface CoverageWindows {
  now: number;
  /** A scan newer than this is current. */
  freshnessMs: number;
  /** Neither scanned nor in use for longer than this: no longer eligible (IMAGESCOPE_RETENTION_DAYS). */
  retentionMs: number;
}

export function scanStatusOf(entry: CoveredEntry, { now, freshnessMs, retentionMs }: CoverageWindows): ScanStatus {
  const lastUse = entry.inUseCount > 0 ? now : (entry.lastInUseAt ?? 0);
  const eligible = Math.max(lastUse, entry.lastScannedAt ?? 0) >= now - retentionMs;
  if (!eligible) return { statusCode: 'INACTIVE', reason: 'SCAN_ELIGIBILITY_EXPIRED' };
  if (entry.lastScannedAt !== undefined && entry.lastScannedAt >= now - freshnessMs) return { statusCode: 'ACTIVE', reason: 'SUCCESSFUL' };
  // A current scan of any source covers the image whatever another source failed to do; without one,
  // a failure newer than the newest scan says why there is none.
  if (entry.scanFailure && entry.scanFailure.at > (entry.lastScannedAt ?? -1)) return { statusCode: 'INACTIVE', reason: entry.scanFailure.reason };
  if (entry.lastScannedAt === undefined) return { statusCode: 'INACTIVE', reason: 'PENDING_INITIAL_SCAN' };
  return { statusCode: 'ACTIVE', reason: 'STALE_INVENTORY' };
}

/** Running images by the state of their scan: current, stale (older than the freshness window), or none. */
export interface RunningCoverage {
  current: number;
  stale: number;
  neverScanned: number;
}

export function runningCoverage(fleet: Fleet, windows: CoverageWindows): RunningCoverage {
  const out: RunningCoverage = { current: 0, stale: 0, neverScanned: 0 };
  for (const entry of coveredEntries(fleet)) {
    if (entry.resourceType !== 'AWS_ECR_CONTAINER_IMAGE' || entry.inUseCount === 0) continue;
    const { reason } = scanStatusOf(entry, windows);
    if (reason === 'SUCCESSFUL') out.current++;
    else if (entry.lastScannedAt !== undefined) out.stale++;
    else out.neverScanned++;
  }
  return out;
}

/** The account's covered resources sorted by resource id (a repository's ARN, then its images'), built once per fleet. */
export function coveredEntries(fleet: Fleet): CoveredEntry[] {
  return derivedOnce(fleet, 'coverage', buildEntries);
}

function buildEntries(fleet: Fleet): CoveredEntry[] {
  const images: CoveredEntry[] = [];
  const repositories = new Map<string, CoveredEntry>();
  const all: (UnscannedImage & { tags?: string[]; lastScannedAt?: number })[] = [...fleet.images, ...fleet.unscanned];
  for (const image of all) {
    const parts = repositoryParts(image.repository);
    const entry: CoveredEntry = {
      resourceType: 'AWS_ECR_CONTAINER_IMAGE',
      resourceId: image.resourceId,
      accountId: parts.accountId,
      region: parts.region,
      repositoryName: parts.name,
      tags: image.tags ?? [],
      ...(image.lastScannedAt !== undefined && { lastScannedAt: image.lastScannedAt }),
      ...(image.lastInUse > 0 && { lastInUseAt: image.lastInUse }),
      inUseCount: image.runningUnits,
      ...(image.scanFailure && { scanFailure: image.scanFailure }),
    };
    images.push(entry);
    const repository = repositories.get(image.repository);
    if (!repository) {
      repositories.set(image.repository, { ...entry, resourceType: 'AWS_ECR_REPOSITORY', resourceId: image.repository, tags: undefined, scanFailure: undefined });
      continue;
    }
    repository.inUseCount += entry.inUseCount;
    repository.lastScannedAt = newest(repository.lastScannedAt, entry.lastScannedAt);
    repository.lastInUseAt = newest(repository.lastInUseAt, entry.lastInUseAt);
  }
  return [...images, ...repositories.values()].sort((a, b) => (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0));
}

function newest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

type CoverageStringFilter = TextCriterion;
type CoverageDateFilter = { startInclusive?: number; endInclusive?: number };
type CoverageNumberFilter = { lowerInclusive?: number; upperInclusive?: number };
export type CoverageFilterCriteria = Record<string, (CoverageStringFilter | CoverageDateFilter | CoverageNumberFilter | object)[] | undefined>;

/** The text members imagescope can match, and the value of a resource each reads (statistics group by them too). */
export const coverageTextValues: Record<string, (e: CoveredEntry, status: ScanStatus) => string | string[] | undefined> = {
  scanStatusCode: (_, s) => s.statusCode,
  scanStatusReason: (_, s) => s.reason,
  accountId: (e) => e.accountId,
  resourceId: (e) => e.resourceId,
  resourceType: (e) => e.resourceType,
  scanType: () => 'PACKAGE',
  ecrRepositoryName: (e) => e.repositoryName,
  ecrImageTags: (e) => e.tags,
  // The cloud-neutral members, for the same resources.
  cloudProvider: () => 'AWS',
  cloudProviderAccountId: (e) => e.accountId,
  cloudProviderRegion: (e) => e.region,
  cloudProviderOrgId: () => undefined,
  cloudContainerRepositoryName: (e) => e.repositoryName,
  cloudContainerRegistryName: (e) => e.accountId,
  cloudContainerImageTags: (e) => e.tags,
};

/** The date and number members, in epoch ms (dates arrive in seconds) and units. */
const rangeValues: Record<string, { value: (e: CoveredEntry) => number | undefined; kind: 'date' | 'number' }> = {
  lastScannedAt: { value: (e) => e.lastScannedAt, kind: 'date' },
  ecrImageLastInUseAt: { value: (e) => (e.resourceType === 'AWS_ECR_CONTAINER_IMAGE' ? e.lastInUseAt : undefined), kind: 'date' },
  // No report or runtime event says when an image was pulled.
  imagePulledAt: { value: () => undefined, kind: 'date' },
  ecrImageInUseCount: { value: (e) => (e.resourceType === 'AWS_ECR_CONTAINER_IMAGE' ? e.inUseCount : undefined), kind: 'number' },
};

/**
 * Whether the resource passes the filter criteria (members AND'd; within one, EQUALS entries OR'd
 * and NOT_EQUALS entries AND'd). A member about other resources (EC2 and Lambda tags, code
 * repositories, scan modes, VMs, serverless functions) matches nothing.
 */
export function coverageMatches(entry: CoveredEntry, status: ScanStatus, criteria: CoverageFilterCriteria | undefined): boolean {
  for (const [member, given] of Object.entries(criteria ?? {})) {
    if (!Array.isArray(given) || given.length === 0) continue;
    const text = coverageTextValues[member];
    if (text) {
      if (!matchesText(text(entry, status), given as CoverageStringFilter[])) return false;
      continue;
    }
    const range = rangeValues[member];
    if (!range) return false;
    if (!inRanges(range.value(entry), (given as (CoverageDateFilter & CoverageNumberFilter)[]).map((f) => rangeOfFilter(f, range.kind)))) return false;
  }
  return true;
}
