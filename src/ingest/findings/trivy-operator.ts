// trivy-operator's VulnerabilityReport custom resources (aquasecurity.github.io/v1alpha1): one report,
// a `kubectl get vulnerabilityreports -A -o json` List, or a bare array of trivy-operator reports of
// several kinds. Each VulnerabilityReport is the complete findings of one container image, from source
// `trivy-operator`. The image is `report.registry.server` + `report.artifact.repository`, keyed on
// `report.artifact.digest`; operators before v0.16 wrote no digest and v0.16-v0.23 could write the
// config digest, so `imagescope watch kubernetes` resolves the digest from the workload's pods and
// writes it there before ingesting (feeds/kubernetes/vulnerability-reports.ts).
import { dedupeFindings, type Finding, type FindingsReport, type VulnerabilityInfo } from '../../domain/findings.ts';
import { normaliseSeverity } from '../../domain/severity.ts';
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import type { ParseContext, ParseResult, Skipped } from '../parse-result.ts';
import { IngestRejection } from '../ingest-rejection.ts';
import { cvssScore, entriesAt, nonEmpty, numberAt, packageManagerOf, primaryCvssOf, stringList, text, timeAt, withoutUndefined } from './finding-details.ts';
import { reportImage, reportTags } from './report-image.ts';

const apiGroup = 'aquasecurity.github.io/';
export const trivyOperatorSource = 'trivy-operator';

const isOperatorObject = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && typeof (value as { apiVersion?: unknown }).apiVersion === 'string' && (value as { apiVersion: string }).apiVersion.startsWith(apiGroup);

export function isTrivyOperatorReport(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(isOperatorObject);
  if (isOperatorObject(value)) return true;
  const items = (value as { items?: unknown } | null)?.items;
  return typeof (value as { kind?: unknown } | null)?.kind === 'string' && Array.isArray(items) && items.length > 0 && items.every(isOperatorObject);
}

export function parseTrivyOperator(documents: JsonDocument[], context: ParseContext): ParseResult {
  const skipped: Skipped[] = [];
  const vulnerabilityReports: JsonReader[] = [];
  for (const doc of documents) {
    for (const item of itemsOf(JsonReader.of(doc.value, doc.path))) {
      const kind = item.object().raw('kind');
      if (kind === 'VulnerabilityReport') vulnerabilityReports.push(item);
      else skipped.push({ path: item.path, reason: kindSkipReason(kind) });
    }
  }
  if (context.image && vulnerabilityReports.length > 1) {
    throw new IngestRejection('$', `--image names one image, but this input holds ${vulnerabilityReports.length} VulnerabilityReports: ingest them one at a time, or without --image`);
  }
  const reports: FindingsReport[] = [];
  for (const item of vulnerabilityReports) {
    // One report alone must name its image (as every other single report must); in a list, a report
    // that names no digest is passed over with the reason, so that the rest of the list counts.
    if (vulnerabilityReports.length > 1 && !hasDigest(item)) {
      skipped.push({ path: `${item.path}.report.artifact.digest`, reason: 'no manifest digest (trivy-operator before v0.16 recorded none): `imagescope watch kubernetes` resolves it from the workload\'s pods, or ingest this report alone with --image' });
      continue;
    }
    reports.push(parseReport(item, context));
  }
  return { findings: reports, skipped, images: reports.map((r) => r.image) };
}

function itemsOf(root: JsonReader): JsonReader[] {
  if (Array.isArray(root.value)) return root.items();
  return root.object().has('items') && root.raw('kind') !== 'VulnerabilityReport' ? root.array('items') : [root];
}

function kindSkipReason(kind: unknown): string {
  if (kind === 'ClusterVulnerabilityReport') return 'a ClusterVulnerabilityReport is about the cluster\'s own components, not a container image';
  return typeof kind === 'string' ? `a ${kind} holds no image vulnerabilities` : 'not a trivy-operator report (no kind)';
}

function hasDigest(item: JsonReader): boolean {
  const digest = item.child('report').child('artifact').raw('digest');
  return typeof digest === 'string' && digest !== '';
}

function parseReport(item: JsonReader, context: ParseContext): FindingsReport {
  const report = item.child('report').object();
  const artifact = report.child('artifact').object();
  const server = report.child('registry').isObject() ? text(report.child('registry'), 'server') : undefined;
  const repository = artifact.string('repository');
  const tag = text(artifact, 'tag');
  const name = server ? `${server}/${repository}` : repository;
  const reference = tag ? `${name}:${tag}` : name;
  const image = reportImage([{ reference, digest: text(artifact, 'digest') }], context, `${artifact.path}.digest`);
  const tags = reportTags([reference], image, context);
  const findings: Finding[] = (report.optionalArray('vulnerabilities') ?? []).map((v) => {
    v.object();
    return {
      vulnerabilityId: v.string('vulnerabilityID'),
      packageName: v.string('resource'),
      packageVersion: v.optionalString('installedVersion') ?? '',
      fixedVersion: v.optionalString('fixedVersion') || undefined,
      severity: normaliseSeverity(v.optionalString('severity'), numberAt(v, 'score')),
      active: true,
      location: withoutUndefined({
        filePath: text(v, 'pkgPath'),
        packageManager: text(v, 'class') === 'os-pkgs' ? ('OS' as const) : packageManagerOf(text(v, 'packageType')),
      }),
      vulnerabilityRecord: v.value,
      readVulnerability,
    };
  });
  return {
    source: trivyOperatorSource,
    mode: 'snapshot',
    image,
    ...(tags && { tags }),
    reportTime: timeAt(report, 'updateTimestamp') ?? timeAt(item.child('metadata'), 'creationTimestamp') ?? context.now,
    findings: dedupeFindings(findings),
  };
}

/** A VulnerabilityReport's vulnerability: Trivy's record in the operator's lowerCamel spelling. */
function readVulnerability(record: unknown): VulnerabilityInfo | undefined {
  const v = JsonReader.of(record, '$');
  const cvss = entriesAt(v, 'cvss').flatMap(([source, scores]) =>
    [cvssScore(numberAt(scores, 'V3Score'), text(scores, 'V3Vector'), source), cvssScore(numberAt(scores, 'V2Score'), text(scores, 'V2Vector'), source, '2.0')]
      .filter((score) => score !== undefined));
  return withoutUndefined<VulnerabilityInfo>({
    title: text(v, 'title'),
    description: text(v, 'description'),
    source: 'trivy',
    sourceUrl: text(v, 'primaryLink'),
    vendorSeverity: text(v, 'severity'),
    cvss: nonEmpty(cvss),
    primaryCvss: primaryCvssOf(cvss),
    referenceUrls: nonEmpty(stringList(v, 'links')),
    vendorCreatedAt: timeAt(v, 'publishedDate'),
    vendorUpdatedAt: timeAt(v, 'lastModifiedDate'),
  });
}
