// Amazon Inspector2 findings: `aws inspector2 list-findings` output ({"findings": [...]}) and
// EventBridge "Inspector2 Finding" events (one, an array, or one per line). Only findings on container
// images (AWS_ECR_CONTAINER_IMAGE) become image findings; others are counted as skipped. Each finding
// has its own lifecycle, so they are applied one by one (incrementally) with their status: ACTIVE ones
// count; CLOSED and SUPPRESSED ones stop counting. Their own identity, times, texts and scores are kept
// verbatim; times are read as the status times are (ISO 8601 in list-findings, "Dec 3, 2021, 6:02:30 PM"
// in AWS's EventBridge sample).
import { imageKeyOf, parseResourceId, type ImageKey } from '../../domain/images.ts';
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import type { ParseContext, ParseResult, Skipped } from '../parse-result.ts';
import { dedupeFindings, type CvssScore, type Finding, type FindingsReport, type Inspector2Original, type PackageLocation, type VulnerabilityInfo } from '../../domain/findings.ts';
import { scopeOf } from './report-image.ts';
import { normaliseSeverity } from '../../domain/severity.ts';
import { cvssScore, itemsAt, knownPackageManager, nonEmpty, numberAt, objectAt, stringList, text, timeAt, withoutUndefined } from './finding-details.ts';

export const inspector2DetailType = 'Inspector2 Finding';

export function isInspector2Findings(value: unknown): boolean {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first !== 'object' || first === null) return false;
  const v = first as Record<string, unknown>;
  return v['detail-type'] === inspector2DetailType || (Array.isArray(v.findings) && !('SchemaVersion' in v));
}

export function parseInspector2(documents: JsonDocument[], context: ParseContext): ParseResult {
  const skipped: Skipped[] = [];
  const byImage = new Map<string, FindingsReport>();
  for (const doc of documents) {
    const root = JsonReader.of(doc.value, doc.path);
    const findings = Array.isArray(root.value)
      ? root.items().map(eventFinding)
      : root.object().has('findings')
        ? root.array('findings')
        : [eventFinding(root)];
    for (const finding of findings) {
      const parsed = parseFinding(finding.object(), context, skipped);
      if (!parsed) continue;
      const key = `${parsed.image.repository}/${parsed.image.digest}`;
      const report = byImage.get(key) ?? { source: 'inspector2', mode: 'incremental' as const, image: parsed.image, reportTime: 0, findings: [] };
      report.findings.push(...parsed.findings);
      report.reportTime = Math.max(report.reportTime, parsed.time);
      byImage.set(key, report);
    }
  }
  const reports = [...byImage.values()];
  return { findings: reports, skipped, images: reports.map((r) => r.image) };
}

function eventFinding(event: JsonReader): JsonReader {
  const detailType = event.object().string('detail-type');
  if (detailType !== inspector2DetailType) event.fail(`expected '${inspector2DetailType}', found '${detailType}'`, 'detail-type');
  return event.child('detail');
}

/**
 * One Inspector finding (also the shape of ECR's enhanced scanning findings): its image, and one
 * finding per vulnerable package; undefined (skipped, with the reason) when it is not about a
 * container image's package.
 */
export function parseFinding(finding: JsonReader, context: ParseContext, skipped: Skipped[]): { image: ImageKey; findings: Finding[]; time: number } | undefined {
  const type = finding.string('type');
  if (type !== 'PACKAGE_VULNERABILITY') {
    skipped.push({ path: finding.path, reason: `${type} findings are not image package vulnerabilities` });
    return undefined;
  }
  const resource = finding.array('resources').find((r) => r.object().raw('type') === 'AWS_ECR_CONTAINER_IMAGE');
  if (!resource) {
    const types = finding.array('resources').map((r) => r.raw('type')).join(', ');
    skipped.push({ path: finding.path, reason: `resource ${types} is not a container image` });
    return undefined;
  }
  const image = imageOf(resource, context);
  const details = finding.child('packageVulnerabilityDetails').object();
  const vulnerabilityId = details.string('vulnerabilityId');
  const status = finding.string('status');
  const severity = normaliseSeverity(finding.optionalString('severity'), cvss3Score(details) ?? finding.optionalNumber('inspectorScore'));
  const time = finding.optionalTime('updatedAt') ?? finding.optionalTime('lastObservedAt') ?? context.now;
  const inspector2 = originalOf(finding);
  // A package may be listed more than once (one entry per file path it was found at).
  const findings = dedupeFindings(details.array('vulnerablePackages').map((pkg, index) => ({
    vulnerabilityId,
    packageName: pkg.object().string('name'),
    packageVersion: [pkg.optionalString('version'), pkg.optionalString('release')].filter(Boolean).join('-'),
    // Inspector writes `NotAvailable` where no fix exists.
    fixedVersion: [pkg.optionalString('fixedInVersion')].find((v) => v && v !== 'NotAvailable'),
    severity,
    active: status === 'ACTIVE',
    observedAt: time,
    location: withoutUndefined<PackageLocation>({ filePath: text(pkg, 'filePath'), layerHash: text(pkg, 'sourceLayerHash'), packageManager: knownPackageManager(pkg.raw('packageManager')) }),
    vulnerabilityRecord: finding.value, readVulnerability,
    inspector2: index === 0 || !inspector2 ? inspector2 : { ...inspector2, findingArn: undefined },
  })));
  return { image, findings, time };
}

/**
 * The finding's own identity and times; without its ARN there is nothing to keep. Its title,
 * remediation and fixAvailable describe all its packages; each package's finding derives its own.
 */
function originalOf(finding: JsonReader): Inspector2Original | undefined {
  const findingArn = text(finding, 'findingArn');
  if (!findingArn) return undefined;
  return withoutUndefined<Inspector2Original>({
    findingArn,
    firstObservedAt: timeAt(finding, 'firstObservedAt'),
    lastObservedAt: timeAt(finding, 'lastObservedAt'),
    updatedAt: timeAt(finding, 'updatedAt'),
  });
}

/** packageVulnerabilityDetails as given; the primary score is the one Inspector adjusted (its inspectorScore). */
/** An Inspector2 finding (every vulnerable package of it shares the record). */
function readVulnerability(record: unknown): VulnerabilityInfo | undefined {
  const finding = JsonReader.of(record, '$');
  return vulnerabilityInfo(finding, finding.child('packageVulnerabilityDetails'));
}

function vulnerabilityInfo(finding: JsonReader, details: JsonReader): VulnerabilityInfo | undefined {
  const adjusted = objectAt(objectAt(finding, 'inspectorScoreDetails'), 'adjustedCvss');
  const adjustedSource = text(adjusted, 'cvssSource') ?? text(adjusted, 'scoreSource');
  return withoutUndefined<VulnerabilityInfo>({
    // The finding's description is the vulnerability's (its title names the packages: not kept).
    description: text(finding, 'description'),
    source: text(details, 'source'),
    sourceUrl: text(details, 'sourceUrl'),
    vendorSeverity: text(details, 'vendorSeverity'),
    cvss: nonEmpty(itemsAt(details, 'cvss').map(cvssOf).filter((s): s is CvssScore => s !== undefined)),
    primaryCvss: adjustedSource ? cvssScore(numberAt(adjusted, 'score'), text(adjusted, 'scoringVector'), adjustedSource, text(adjusted, 'version')) : undefined,
    relatedVulnerabilities: nonEmpty(stringList(details, 'relatedVulnerabilities')),
    referenceUrls: nonEmpty(stringList(details, 'referenceUrls')),
    epss: numberAt(objectAt(finding, 'epss'), 'score'),
    exploitObserved: text(finding, 'exploitAvailable') === 'YES' ? withoutUndefined({ lastKnownExploitAt: timeAt(objectAt(finding, 'exploitabilityDetails'), 'lastKnownExploitAt') }) : undefined,
    vendorCreatedAt: timeAt(details, 'vendorCreatedAt'),
    vendorUpdatedAt: timeAt(details, 'vendorUpdatedAt'),
  });
}

function cvssOf(cvss: JsonReader): CvssScore | undefined {
  const source = text(cvss, 'source');
  return source ? cvssScore(numberAt(cvss, 'baseScore'), text(cvss, 'scoringVector'), source, text(cvss, 'version')) : undefined;
}

function imageOf(resource: JsonReader, context: ParseContext): ImageKey {
  const fromId = parseResourceId(resource.string('id'));
  if (fromId?.digest) return { repository: fromId.repository, digest: fromId.digest };
  const ecr = resource.child('details').child('awsEcrContainerImage').object();
  const region = resource.optionalString('region') ?? scopeOf(context).region;
  const key = imageKeyOf(`${ecr.string('registry')}.dkr.ecr.${region}.amazonaws.com/${ecr.string('repositoryName')}`, scopeOf(context), ecr.string('imageHash'));
  if (!key) resource.fail('the resource names no image manifest digest', 'id');
  return key;
}

function cvss3Score(details: JsonReader): number | undefined {
  for (const cvss of details.optionalArray('cvss') ?? []) {
    if (cvss.optionalString('version')?.startsWith('3')) return cvss.optionalNumber('baseScore');
  }
  return undefined;
}
