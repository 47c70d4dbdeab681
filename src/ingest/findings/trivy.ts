// Trivy JSON (`trivy image -f json`, schema 2) -> one findings snapshot per report. The image is keyed
// on Metadata.RepoDigests (the manifest digest), never on Metadata.ImageID (a config digest).
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import type { ParseContext, ParseResult } from '../parse-result.ts';
import { dedupeFindings, type Finding, type FindingsReport } from '../../domain/findings.ts';
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
