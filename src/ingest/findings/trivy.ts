// Trivy JSON (`trivy image -f json`, schema 2) -> one findings snapshot per report. The image is keyed
// on Metadata.RepoDigests (the manifest digest), never on Metadata.ImageID (a config digest).
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import type { ParseContext, ParseResult } from '../parse-result.ts';
import { dedupeFindings, type Finding, type FindingsReport, type PackageLocation, type VulnerabilityInfo } from '../../domain/findings.ts';
import { cvssScore, entriesAt, nonEmpty, numberAt, packageManagerOf, primaryCvssOf, stringList, text, timeAt, withoutUndefined } from './finding-details.ts';
import { reportImage, reportTags } from './report-image.ts';
import { normaliseSeverity } from '../../domain/severity.ts';

export function isTrivyReport(value: unknown): boolean {
  if (Array.isArray(value)) return isLegacyTrivy(value);
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && typeof v.SchemaVersion === 'number' && ('Results' in v || 'ArtifactName' in v);
}

/** Trivy before 0.20 printed a bare array of results with no image metadata. */
function isLegacyTrivy(value: unknown[]): boolean {
  const first = value[0] as Record<string, unknown> | undefined;
  return typeof first === 'object' && first !== null && 'Target' in first && ('Vulnerabilities' in first || 'Type' in first);
}

export function parseTrivy(documents: JsonDocument[], context: ParseContext): ParseResult {
  const reports = documents.map((doc) => parseReport(JsonReader.of(doc.value, doc.path), context));
  return { findings: reports, skipped: [], images: reports.map((r) => r.image) };
}

function parseReport(root: JsonReader, context: ParseContext): FindingsReport {
  if (Array.isArray(root.value)) {
    root.fail('this is the legacy Trivy output (before 0.20: a bare array of results), which names no image; re-run a current Trivy with `trivy image -f json`');
  }
  root.object();
  const schema = root.number('SchemaVersion');
  if (schema !== 2) root.fail(`Trivy JSON schema ${schema} is not supported (expected 2)`, 'SchemaVersion');
  const metadata = root.child('Metadata');
  const repoDigests = (metadata.optionalArray('RepoDigests') ?? []).map((d) => d.value).filter((d): d is string => typeof d === 'string' && d !== '');
  const image = reportImage(repoDigests.map((reference) => ({ reference })), context, `${metadata.path}.RepoDigests`);
  const repoTags = (metadata.optionalArray('RepoTags') ?? []).map((t) => t.value).filter((t): t is string => typeof t === 'string');
  const tags = reportTags(repoTags, image, context);
  const findings: Finding[] = [];
  for (const result of root.optionalArray('Results') ?? []) {
    for (const v of result.object().optionalArray('Vulnerabilities') ?? []) {
      v.object();
      findings.push({
        vulnerabilityId: v.string('VulnerabilityID'),
        packageName: v.string('PkgName'),
        packageVersion: v.optionalString('InstalledVersion') ?? '',
        fixedVersion: v.optionalString('FixedVersion') || undefined,
        severity: normaliseSeverity(v.optionalString('Severity'), cvss3Score(v)),
        active: true,
        location: packageLocation(result, v),
        vulnerabilityRecord: v.value, readVulnerability,
      });
    }
  }
  return {
    source: 'trivy',
    mode: 'snapshot',
    image,
    ...(tags && { tags }),
    reportTime: root.optionalTime('CreatedAt') ?? context.now,
    findings: dedupeFindings(findings),
  };
}

/** The CVSS v3 score of the source Trivy took the severity from, else NVD's, else any. */
function cvss3Score(v: JsonReader): number | undefined {
  const cvss = v.child('CVSS');
  if (!cvss.isObject()) return undefined;
  const bySource = cvss.value as Record<string, { V3Score?: unknown }>;
  const preferred = [v.optionalString('SeveritySource'), 'nvd', ...Object.keys(bySource)];
  for (const source of preferred) {
    const score = source ? bySource[source]?.V3Score : undefined;
    if (typeof score === 'number') return score;
  }
  return undefined;
}

/** Trivy's `VendorSeverity` numbers. */
const vendorSeverityLabels = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** A Trivy vulnerability record (one of a result's `Vulnerabilities`). */
function readVulnerability(record: unknown): VulnerabilityInfo | undefined {
  return vulnerabilityInfo(JsonReader.of(record, '$'));
}

function vulnerabilityInfo(v: JsonReader): VulnerabilityInfo | undefined {
  const severitySource = text(v, 'SeveritySource');
  const cvss = entriesAt(v, 'CVSS').flatMap(([source, scores]) =>
    [cvssScore(numberAt(scores, 'V40Score'), text(scores, 'V40Vector'), source), cvssScore(numberAt(scores, 'V3Score'), text(scores, 'V3Vector'), source), cvssScore(numberAt(scores, 'V2Score'), text(scores, 'V2Vector'), source, '2.0')]
      .filter((score) => score !== undefined));
  const vendorSeverity = severitySource === undefined ? undefined : numberAt(v.child('VendorSeverity'), severitySource);
  return withoutUndefined<VulnerabilityInfo>({
    title: text(v, 'Title'),
    description: text(v, 'Description'),
    // DataSource names the advisory database (alpine, debian, ghsa, nvd); SeveritySource the scorer.
    source: text(v.child('DataSource'), 'ID') ?? severitySource ?? 'trivy',
    sourceUrl: text(v, 'PrimaryURL'),
    vendorSeverity: vendorSeverity === undefined ? text(v, 'Severity') : vendorSeverityLabels[vendorSeverity],
    cvss: nonEmpty(cvss),
    primaryCvss: primaryCvssOf(cvss, severitySource),
    relatedVulnerabilities: nonEmpty(stringList(v, 'VendorIDs')),
    referenceUrls: nonEmpty(stringList(v, 'References')),
    cwes: nonEmpty(stringList(v, 'CweIDs')),
    vendorCreatedAt: timeAt(v, 'PublishedDate'),
    vendorUpdatedAt: timeAt(v, 'LastModifiedDate'),
  });
}

/** The package's file (its own path, else the lock file or archive a language result is for) and layer. */
function packageLocation(result: JsonReader, v: JsonReader): PackageLocation | undefined {
  const layer = v.child('Layer');
  return withoutUndefined<PackageLocation>({
    filePath: text(v, 'PkgPath') ?? (text(result, 'Class') === 'lang-pkgs' ? text(result, 'Target') : undefined),
    layerHash: layer.isObject() ? (text(layer, 'Digest') ?? text(layer, 'DiffID')) : undefined,
    packageManager: text(result, 'Class') === 'os-pkgs' ? 'OS' : packageManagerOf(text(result, 'Type')),
  });
}
