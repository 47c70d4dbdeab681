// imagescope's own record of a scan that gave no findings: `{"kind": "ImageScanStatus", "image":
// "<Inspector resource id or <repository>@sha256:...>", "source": "trivy", "reason": "<ScanStatusReason>",
// "detail": "...", "time": "<ISO 8601>"}`, one, an array, or one per line. `imagescope scan` writes it
// when a scanner fails (so that coverage shows why), and a CI job can write it the same way.
import { scanFailureReasons, type ScanFailure, type ScanFailureReason } from '../../domain/scan-status.ts';
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import type { ParseContext, ParseResult } from '../parse-result.ts';
import { imageFromOption, scopeOf } from './report-image.ts';

export const scanStatusKind = 'ImageScanStatus';

export function isScanStatus(value: unknown): boolean {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'object' && first !== null && (first as { kind?: unknown }).kind === scanStatusKind;
}

export function parseScanStatus(documents: JsonDocument[], context: ParseContext): ParseResult {
  const scanFailures: ScanFailure[] = [];
  for (const doc of documents) {
    const root = JsonReader.of(doc.value, doc.path);
    for (const item of Array.isArray(root.value) ? root.items() : [root]) scanFailures.push(scanFailure(item.object(), context));
  }
  return { scanFailures, skipped: [], images: scanFailures.map((f) => f.image) };
}

function scanFailure(item: JsonReader, context: ParseContext): ScanFailure {
  if (item.raw('kind') !== scanStatusKind) item.fail(`expected kind '${scanStatusKind}'`, 'kind');
  const image = imageFromOption(item.string('image'), scopeOf(context));
  if (!image) item.fail('must name the image with its digest: an Inspector resource id, or <repository>@sha256:<64 hex>', 'image');
  const reason = item.string('reason');
  if (!(scanFailureReasons as readonly string[]).includes(reason)) item.fail(`must be one of ${scanFailureReasons.join(', ')}`, 'reason');
  return { image, source: item.string('source'), reason: reason as ScanFailureReason, detail: item.optionalString('detail') ?? '', at: item.optionalTime('time') ?? context.now };
}
