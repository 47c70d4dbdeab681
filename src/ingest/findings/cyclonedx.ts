// CycloneDX 1.4-1.7 JSON with `vulnerabilities` (as Trivy and Grype write it) -> one findings snapshot
// per BOM. Ratings come one per source, some without a severity: the worst severity label among the
// ratings wins; without any label, the highest CVSS v3 score; else UNTRIAGED. EPSS and KEV "ratings"
// (method `other`) are not severities and are ignored.
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import type { ParseContext, ParseResult } from '../parse-result.ts';
import { dedupeFindings, type Finding, type FindingsReport } from '../../domain/findings.ts';
import { reportImage, type ImageCandidate } from './report-image.ts';
import { severityFromCvss3, severityFromLabel, worstOf, type Severity } from '../../domain/severity.ts';

const supportedSpecs = ['1.4', '1.5', '1.6', '1.7'];
const cvss3Methods = new Set(['CVSSv3', 'CVSSv31']);

export function isCycloneDx(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>).bomFormat === 'CycloneDX';
}

export function parseCycloneDx(documents: JsonDocument[], context: ParseContext): ParseResult {
  const reports = documents.map((doc) => parseBom(JsonReader.of(doc.value, doc.path).object(), context));
  return { findings: reports, skipped: [], images: reports.map((r) => r.image) };
}

function parseBom(root: JsonReader, context: ParseContext): FindingsReport {
  const spec = root.string('specVersion');
  if (!supportedSpecs.includes(spec)) root.fail(`CycloneDX ${spec} is not supported (expected ${supportedSpecs.join(', ')})`, 'specVersion');
  const metadata = root.child('metadata');
  const image = reportImage(imageCandidates(metadata.child('component')), context, `${metadata.path}.component`);
  const components = new Map<string, { name: string; version: string }>();
  indexComponents(root.optionalArray('components') ?? [], components);
  const findings: Finding[] = [];
  for (const vulnerability of root.optionalArray('vulnerabilities') ?? []) {
    vulnerability.object();
    const vulnerabilityId = vulnerability.string('id');
    const severity = severityOfRatings(vulnerability.optionalArray('ratings') ?? []);
    // CycloneDX has no field for a fix; Trivy writes "Upgrade <package> to version <v>" here.
    const fixedVersion = /\bto version (\S+)/.exec(vulnerability.optionalString('recommendation') ?? '')?.[1];
    for (const affected of vulnerability.array('affects')) {
      const ref = affected.object().string('ref');
      const pkg = components.get(ref) ?? packageOfPurl(ref) ?? { name: ref, version: '' };
      findings.push({ vulnerabilityId, packageName: pkg.name, packageVersion: pkg.version, fixedVersion, severity, active: true });
    }
  }
  return { source: toolName(metadata) ?? 'cyclonedx', mode: 'snapshot', image, reportTime: metadata.optionalTime('timestamp') ?? context.now, findings: dedupeFindings(findings) };
}

function severityOfRatings(ratings: JsonReader[]): Severity {
  let labelled: Severity | undefined;
  let bestScore: number | undefined;
  for (const rating of ratings) {
    rating.object();
    const label = severityFromLabel(rating.optionalString('severity'));
    if (label) labelled = labelled ? worstOf(labelled, label) : label;
    const score = rating.optionalNumber('score');
    if (score !== undefined && cvss3Methods.has(rating.optionalString('method') ?? '')) bestScore = Math.max(bestScore ?? 0, score);
  }
  return labelled ?? severityFromCvss3(bestScore) ?? 'UNTRIAGED';
}

/** Trivy records `aquasecurity:trivy:RepoDigest` properties; Grype puts the digest in `version`. */
function imageCandidates(component: JsonReader): ImageCandidate[] {
  if (!component.isObject()) return [];
  const candidates: ImageCandidate[] = [];
  for (const property of component.optionalArray('properties') ?? []) {
    if (property.raw('name') === 'aquasecurity:trivy:RepoDigest' && typeof property.raw('value') === 'string') {
      candidates.push({ reference: property.raw('value') as string });
    }
  }
  const purl = component.optionalString('purl');
  const oci = purl ? /^pkg:oci\/[^@]+@(sha256(?::|%3A)[a-f0-9]{64})(?:\?(.*))?$/.exec(purl) : null;
  const repositoryUrl = oci?.[2] ? new URLSearchParams(oci[2]).get('repository_url') : null;
  if (oci && repositoryUrl) candidates.push({ reference: repositoryUrl, digest: decodeURIComponent(oci[1]) });
  const name = component.optionalString('name');
  const version = component.optionalString('version');
  if (name && version?.startsWith('sha256:')) candidates.push({ reference: name, digest: version });
  return candidates;
}

function indexComponents(list: JsonReader[], index: Map<string, { name: string; version: string }>): void {
  for (const component of list) {
    component.object();
    const ref = component.optionalString('bom-ref');
    const name = component.optionalString('name');
    if (ref && name) index.set(ref, { name: component.optionalString('group') ? `${component.optionalString('group')}/${name}` : name, version: component.optionalString('version') ?? '' });
    indexComponents(component.optionalArray('components') ?? [], index);
  }
}

function packageOfPurl(ref: string): { name: string; version: string } | undefined {
  const match = /^pkg:[^/]+\/(.+?)@([^?#]+)/.exec(ref);
  return match ? { name: decodeURIComponent(match[1]), version: decodeURIComponent(match[2]) } : undefined;
}

function toolName(metadata: JsonReader): string | undefined {
  const tools = metadata.child('tools');
  // 1.4: an array of {vendor, name}; 1.5+: {components: [{name}]} (the array form is deprecated).
  const list = Array.isArray(tools.value) ? tools.items() : tools.isObject() ? (tools.optionalArray('components') ?? []) : [];
  const name = list.map((t) => t.raw('name')).find((n): n is string => typeof n === 'string' && n !== '');
  return name?.toLowerCase();
}
