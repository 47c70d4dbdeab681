// Findings as every room names them: what each findings parser emits, the store applies and the
// services and console read back.
import type { ImageKey } from './images.ts';
import { worstOf, type Severity } from './severity.ts';

/** One (vulnerability, package, installed version) found in an image. */
export interface Finding {
  vulnerabilityId: string;
  packageName: string;
  packageVersion: string;
  /** The version (or versions, comma-separated) that fixes it, where the scanner names one. */
  fixedVersion?: string;
  severity: Severity;
  /** Inspector2 findings carry a status; only ACTIVE ones count. Scanner findings are always active. */
  active: boolean;
  /** Incremental findings: when this state was observed (epoch ms); an older state never replaces a newer one. */
  observedAt?: number;
  /** Where in the image the package is, as the scanner names it. */
  location?: PackageLocation;
  /**
   * What the scanner says about the vulnerability itself: the report's own record of it and the
   * parser's reader of that record, read only when asked for (vulnerabilityOf). Reading it costs more
   * than the finding's key and an ingest needs it once per vulnerability, so a finding carries no more
   * than these two references, which the ingest drops once it has read what it stores
   * (ingest/vulnerability-details.ts).
   */
  vulnerabilityRecord?: unknown;
  readVulnerability?: (record: unknown) => VulnerabilityInfo | undefined;
  /** An Inspector2 finding: what it carries that imagescope would otherwise derive. */
  inspector2?: Inspector2Original;
}

/**
 * An Inspector2 finding's own identity and times, kept as AWS gave them (epoch ms). Inspector lists
 * the packages of one vulnerability in one finding; imagescope keeps one finding per package, and only
 * the first package's carries the ARN, so that no two findings listed share one.
 */
export interface Inspector2Original {
  findingArn?: string;
  firstObservedAt?: number;
  lastObservedAt?: number;
  updatedAt?: number;
}

/** What the scanner says about the finding's vulnerability, read from its report now. */
export function vulnerabilityOf(finding: Finding): VulnerabilityInfo | undefined {
  return finding.readVulnerability?.(finding.vulnerabilityRecord);
}

/** Inspector2's package managers (the model's PackageManager enum). */
export const packageManagers = ['BUNDLER', 'CARGO', 'COMPOSER', 'NPM', 'NUGET', 'PIPENV', 'POETRY', 'YARN', 'GOBINARY', 'GOMOD', 'JAR', 'OS', 'PIP', 'PYTHONPKG', 'NODEPKG', 'POM', 'GEMSPEC', 'DOTNET_CORE'] as const;
export type PackageManager = (typeof packageManagers)[number];

export interface PackageLocation {
  /** The file the package was found in (a lock file, a jar, a binary). */
  filePath?: string;
  /** The layer that added the package (`sha256:...`). */
  layerHash?: string;
  packageManager?: PackageManager;
}

/** A CVSS score as a report gives it (Inspector2's CvssScore). */
export interface CvssScore {
  baseScore: number;
  scoringVector: string;
  /** `3.1`, `3.0`, `2.0`, `4.0` */
  version: string;
  /** Who scored it (`nvd`, `redhat`, `nvd@nist.gov`, `GHSA`). */
  source: string;
}

/**
 * What a scanner says about a vulnerability, the same for every package it is found in. Every member
 * is kept only where the report has it: nothing is invented.
 */
export interface VulnerabilityInfo {
  title?: string;
  description?: string;
  /** The data source the scanner names (`NVD`, `GHSA`, `debian`, `alpine`), else the scanner. */
  source?: string;
  sourceUrl?: string;
  /** The data source's own severity label (`MEDIUM`, `Moderate`). */
  vendorSeverity?: string;
  cvss?: CvssScore[];
  /** The CVSS v3 score the severity rests on (Inspector's score): the severity source's, else NVD's, else the first. */
  primaryCvss?: CvssScore;
  relatedVulnerabilities?: string[];
  referenceUrls?: string[];
  /** `CWE-79` */
  cwes?: string[];
  /** EPSS probability of exploitation in the next 30 days (0-1). */
  epss?: number;
  /** Known to be exploited (the CISA KEV catalogue) where a report says so; times are epoch ms. */
  knownExploited?: { dateAdded?: number; dateDue?: number; action?: string };
  /** An exploit is known, with the last time one was seen (Inspector2's `exploitAvailable` YES and `exploitabilityDetails`), epoch ms. */
  exploitObserved?: { lastKnownExploitAt?: number };
  /** Epoch ms. */
  vendorCreatedAt?: number;
  vendorUpdatedAt?: number;
}

export interface FindingsReport {
  /** The tool that produced the findings (`trivy`, `grype`, `inspector2`, ...): a newer report of the same image and source replaces the older one. */
  source: string;
  /**
   * `snapshot`: the complete findings of the image (scanner reports).
   * `incremental`: individual findings with their own status (Inspector2), applied one by one.
   */
  mode: 'snapshot' | 'incremental';
  image: ImageKey;
  /**
   * Other manifest digests the report says are this same image in the same repository: Grype names
   * the registry's digest (for a multi-platform image, its index) and the platform manifest it scanned.
   */
  linkedDigests?: string[];
  /** Tags the report gives the image (`3.9`, `latest`): shown with it, never part of its key. */
  tags?: string[];
  /** When the scan ran (epoch ms): an older report never replaces a newer one. */
  reportTime: number;
  findings: Finding[];
  /**
   * The details of its vulnerabilities that are to be stored, as VulnerabilityInfo JSON (read from
   * the findings' records at ingest; one flat string lives until the transaction more cheaply than
   * the object it was made from).
   */
  vulnerabilities?: { vulnerabilityId: string; details: string }[];
  /**
   * The findings' ids (finding-ids.ts), 16 bytes each in the order of `findings`, where they were
   * derived before the report reached the store (`imagescope ingest`'s parse worker): deriving 200,000
   * ids costs the thread that stores them about 0.2 s.
   */
  findingIds?: Uint8Array;
}

export interface FindingsBatch {
  reports: FindingsReport[];
  /** Image Builder ARNs given at ingest; they tag every image of the batch. */
  imageBuildVersionArn?: string;
  imagePipelineArn?: string;
}

/** Keeps one finding per (vulnerability, package, version), the worst severity when they differ. */
export function dedupeFindings(findings: Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.vulnerabilityId}\u0000${f.packageName}\u0000${f.packageVersion}`;
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, severity: worstOf(seen.severity, f.severity), fixedVersion: seen.fixedVersion ?? f.fixedVersion } : f);
  }
  return [...byKey.values()];
}
