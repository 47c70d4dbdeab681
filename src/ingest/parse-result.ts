// What every ingest parser returns: normalised records plus what it passed over and why.
import type { FindingsReport } from '../domain/findings.ts';
import type { ImageKey } from '../domain/images.ts';
import type { RuntimeBatch } from '../domain/runtime-units.ts';
import type { ScanFailure } from '../domain/scan-status.ts';

export interface Skipped {
  path: string;
  reason: string;
}

export interface ParseContext {
  /** The tenant account that ingests (owner of every row written). */
  accountId: string;
  /** Region for images of non-ECR registries; falls back to the input's own region, then us-east-1. */
  region?: string;
  /** Ingest time, epoch ms: the observation time of snapshots and watch events. */
  now: number;
  clusterArn?: string;
  namespace?: string;
  /** The image a findings report is about, for reports that name no manifest digest. */
  image?: string;
}

export interface ParseResult {
  runtime?: RuntimeBatch;
  findings?: FindingsReport[];
  /** Scans that gave no findings, and why (recorded without touching stored findings). */
  scanFailures?: ScanFailure[];
  skipped: Skipped[];
  images: ImageKey[];
}

export const defaultRegion = 'us-east-1';
