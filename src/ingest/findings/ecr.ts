// Amazon ECR image scans: `aws ecr describe-image-scan-findings` output (every page merged, as the CLI
// prints it), one image per document. A COMPLETE (basic) or ACTIVE (enhanced, continuous) scan is the
// complete findings of the image from source `ecr`: basic `findings` (name, severity, package
// attributes) and `enhancedFindings` (Inspector's finding shape, read as Inspector2 findings are).
// Any other status is recorded as the image's scan status, never removing stored findings:
//   FAILED                    INTERNAL_ERROR (UNSUPPORTED_OS when ECR says the image is unsupported)
//   UNSUPPORTED_IMAGE         UNSUPPORTED_OS
//   SCAN_ELIGIBILITY_EXPIRED  SCAN_ELIGIBILITY_EXPIRED
//   FINDINGS_UNAVAILABLE      NO_INVENTORY
//   SCAN_NOT_FOUND            PENDING_INITIAL_SCAN (imagescope's name for ECR's ScanNotFoundException,
//                             which `imagescope watch ecr` writes so that a hand ingest stores the same)
// IN_PROGRESS and PENDING scans are passed over: their outcome comes with the next poll.
import { dedupeFindings, type Finding, type FindingsReport, type VulnerabilityInfo } from '../../domain/findings.ts';
import { parseResourceId } from '../../domain/images.ts';
import type { ScanFailure, ScanFailureReason } from '../../domain/scan-status.ts';
import { normaliseSeverity } from '../../domain/severity.ts';
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import { parseTimestamp } from '../timestamp.ts';
import type { ParseContext, ParseResult, Skipped } from '../parse-result.ts';
import { cvssScore, text, withoutUndefined } from './finding-details.ts';
import { parseFinding } from './inspector2.ts';
import { reportImage, scopeOf } from './report-image.ts';

export const ecrSource = 'ecr';

const failureReasons: Record<string, ScanFailureReason> = {
  FAILED: 'INTERNAL_ERROR',
  UNSUPPORTED_IMAGE: 'UNSUPPORTED_OS',
  SCAN_ELIGIBILITY_EXPIRED: 'SCAN_ELIGIBILITY_EXPIRED',
  FINDINGS_UNAVAILABLE: 'NO_INVENTORY',
  SCAN_NOT_FOUND: 'PENDING_INITIAL_SCAN',
};

export function isEcrScanFindings(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.repositoryName === 'string' && typeof v.imageScanStatus === 'object';
}

export function parseEcrScanFindings(documents: JsonDocument[], context: ParseContext): ParseResult {
  const skipped: Skipped[] = [];
  const findings: FindingsReport[] = [];
  const scanFailures: ScanFailure[] = [];
  for (const doc of documents) {
    const root = JsonReader.of(doc.value, doc.path).object();
    const scan = root.child('imageScanStatus').object();
    const status = scan.string('status');
    const description = text(scan, 'description');
    const scanFindings = root.child('imageScanFindings');
    const enhanced = scanFindings.isObject() ? (scanFindings.optionalArray('enhancedFindings') ?? []) : [];
    const image = reportImage([{ reference: repositoryReference(root, enhanced, context), digest: imageDigest(root, enhanced) }], context, `${root.path}.imageId.imageDigest`);
    if (status === 'COMPLETE' || status === 'ACTIVE') {
      findings.push(scanReport(image, scanFindings, enhanced, context, skipped));
    } else if (failureReasons[status]) {
      let reason = failureReasons[status];
      if (status === 'FAILED' && /unsupported/i.test(description ?? '')) reason = 'UNSUPPORTED_OS';
      scanFailures.push({ image, source: ecrSource, reason, detail: description ? `${status}: ${description}` : status, at: context.now });
    } else {
      skipped.push({ path: `${scan.path}.status`, reason: `the scan is ${status}: its findings come with a later poll` });
    }
  }
  return { findings, scanFailures, skipped, images: [...findings.map((r) => r.image), ...scanFailures.map((f) => f.image)] };
}

/** `<registry id>.dkr.ecr.<region>.amazonaws.com/<repository>`, the region from the findings' resource ids where they name one. */
function repositoryReference(root: JsonReader, enhanced: JsonReader[], context: ParseContext): string {
  const registryId = root.optionalString('registryId') ?? context.accountId;
  const idRegion = enhanced.map((f) => resourceOf(f)?.raw('id')).find((id): id is string => typeof id === 'string')?.split(':')[3];
  const region = context.region ?? idRegion ?? scopeOf(context).region;
  return `${registryId}.dkr.ecr.${region}.amazonaws.com/${root.string('repositoryName')}`;
}

/** The manifest digest: `imageId.imageDigest`, else the one the enhanced findings' image resource names. */
function imageDigest(root: JsonReader, enhanced: JsonReader[]): string | undefined {
  const imageId = root.child('imageId');
  const own = imageId.isObject() ? text(imageId, 'imageDigest') : undefined;
  if (own) return own;
  for (const finding of enhanced) {
    const resource = resourceOf(finding);
    const fromId = typeof resource?.raw('id') === 'string' ? parseResourceId(resource.raw('id') as string)?.digest : undefined;
    const hash = resource ? text(resource.child('details').child('awsEcrContainerImage'), 'imageHash') : undefined;
    if (fromId ?? hash) return fromId ?? hash;
  }
  return undefined;
}

function resourceOf(finding: JsonReader): JsonReader | undefined {
  return (finding.optionalArray('resources') ?? []).find((r) => r.isObject() && r.raw('type') === 'AWS_ECR_CONTAINER_IMAGE');
}

function scanReport(image: FindingsReport['image'], scanFindings: JsonReader, enhanced: JsonReader[], context: ParseContext, skipped: Skipped[]): FindingsReport {
  const found: Finding[] = [];
  for (const finding of scanFindings.isObject() ? (scanFindings.optionalArray('findings') ?? []) : []) found.push(basicFinding(finding.object()));
  let newestUpdate = 0;
  for (const finding of enhanced) {
    // Every enhanced finding of the scan is about the scanned image, whatever its resource says.
    const parsed = parseFinding(finding.object(), context, skipped);
    if (!parsed) continue;
    newestUpdate = Math.max(newestUpdate, parsed.time);
    // The scan is a snapshot: what it lists is what the image carries now; Inspector's own ARN and
    // times belong to its incremental findings (`imagescope watch inspector2`), not to this source.
    for (const f of parsed.findings) if (f.active) found.push({ ...f, observedAt: undefined, inspector2: undefined });
  }
  const completedAt = timeOf(scanFindings.isObject() ? scanFindings.raw('imageScanCompletedAt') : undefined);
  return { source: ecrSource, mode: 'snapshot', image, reportTime: completedAt ?? (newestUpdate || context.now), findings: dedupeFindings(found) };
}

/** A basic scanning finding: the vulnerability is its `name`; the package is in its attributes. */
function basicFinding(finding: JsonReader): Finding {
  const attributes = new Map((finding.optionalArray('attributes') ?? []).map((a) => [a.object().raw('key'), a.raw('value')]));
  const attribute = (key: string) => (typeof attributes.get(key) === 'string' ? (attributes.get(key) as string) : undefined);
  const cvss3 = Number(attribute('CVSS3_SCORE'));
  return {
    vulnerabilityId: finding.string('name'),
    packageName: attribute('package_name') ?? finding.string('name'),
    packageVersion: attribute('package_version') ?? '',
    severity: normaliseSeverity(finding.optionalString('severity'), Number.isFinite(cvss3) ? cvss3 : undefined),
    active: true,
    vulnerabilityRecord: finding.value,
    readVulnerability,
  };
}

function readVulnerability(record: unknown): VulnerabilityInfo | undefined {
  const finding = JsonReader.of(record, '$');
  const attributes = new Map((finding.optionalArray('attributes') ?? []).map((a) => [a.raw('key'), a.raw('value')]));
  const score = (key: string) => (typeof attributes.get(key) === 'string' ? Number(attributes.get(key)) : undefined);
  const cvss = [cvssScore(score('CVSS3_SCORE'), attributes.get('CVSS3_VECTOR'), 'ecr'), cvssScore(score('CVSS2_SCORE'), attributes.get('CVSS2_VECTOR'), 'ecr', '2.0')].filter((s) => s !== undefined);
  return withoutUndefined<VulnerabilityInfo>({
    description: text(finding, 'description'),
    source: 'ecr',
    sourceUrl: text(finding, 'uri'),
    vendorSeverity: text(finding, 'severity'),
    cvss: cvss.length > 0 ? cvss : undefined,
    primaryCvss: cvss.find((s) => s.version.startsWith('3')),
  });
}

/** ECR's times: epoch seconds (the API, the CLI's default v1 output) or ISO 8601 (CLI v2). */
function timeOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value !== 'string') return undefined;
  const ms = parseTimestamp(value);
  return Number.isNaN(ms) ? undefined : ms;
}
