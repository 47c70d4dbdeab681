// Normalised findings: what every findings parser emits and the store applies.
import type { ImageKey } from '../images.ts';
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
