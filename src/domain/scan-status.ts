// A scan that did not give findings: what a source (ECR, a scanner run) said instead, recorded per image
// and source so that coverage can show why an image has no current scan. It never removes findings.
import type { ImageKey } from './images.ts';

/** The Inspector2 ScanStatusReason values a failed or missing scan is given (the model's enum). */
export const scanFailureReasons = ['PENDING_INITIAL_SCAN', 'ACCESS_DENIED', 'INTERNAL_ERROR', 'UNSUPPORTED_OS', 'UNSUPPORTED_MEDIA_TYPE', 'SCAN_ELIGIBILITY_EXPIRED', 'NO_INVENTORY', 'IMAGE_SIZE_EXCEEDED'] as const;
export type ScanFailureReason = (typeof scanFailureReasons)[number];

export interface ScanFailure {
  image: ImageKey;
  /** `ecr`, `trivy`, `grype`, ... */
  source: string;
  reason: ScanFailureReason;
  /** What the source said, for people (`FAILED: UnsupportedImageError: ...`, a scanner's exit and stderr). */
  detail: string;
  /** Epoch ms. */
  at: number;
}
