// CycloneDX 1.4-1.7 JSON with `vulnerabilities` (as Trivy and Grype write it) -> one findings snapshot
// per BOM. Ratings come one per source, some without a severity: the worst severity label among the
// ratings wins; without any label, the highest CVSS v3 score; else UNTRIAGED. EPSS and KEV "ratings"
// (method `other`) are not severities; they fill the vulnerability's EPSS and known-exploited details.
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import type { ParseContext, ParseResult } from '../parse-result.ts';
import { dedupeFindings, type CvssScore, type Finding, type FindingsReport, type PackageLocation, type VulnerabilityInfo } from '../../domain/findings.ts';
import { reportImage, type ImageCandidate } from './report-image.ts';
import { severityFromCvss3, severityFromLabel, severityRank, worstOf, type Severity } from '../../domain/severity.ts';
import {
  cvssScore, cvssVersionOf, cweIds, distinct, itemsAt, nonEmpty, numberAt, objectAt, packageManagerOf,
  packageManagerOfPurl, primaryCvssOf, text, timeAt, withoutUndefined,
} from './finding-details.ts';

const supportedSpecs = ['1.4', '1.5', '1.6', '1.7'];
const cvss3Methods = new Set(['CVSSv3', 'CVSSv31']);
const cvssMethodVersions = new Map([['CVSSv2', '2.0'], ['CVSSv3', '3.0'], ['CVSSv31', '3.1'], ['CVSSv4', '4.0']]);

type ComponentPackage = { name: string; version: string; location?: PackageLocation };

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
  const components = new Map<string, ComponentPackage>();
  indexComponents(root.optionalArray('components') ?? [], components);
  const scanner = toolName(metadata);
  const findings: Finding[] = [];
  for (const vulnerability of root.optionalArray('vulnerabilities') ?? []) {
    vulnerability.object();
    const vulnerabilityId = vulnerability.string('id');
    const severity = severityOfRatings(vulnerability.optionalArray('ratings') ?? []);
    // CycloneDX has no field for a fix; Trivy writes "Upgrade <package> to version <v>" here, and
    // others "to version <v>, <w> or higher.": the versions, comma-separated as Grype's are.
    const fixedVersion = /\bto version ([^\s,]+(?:, [^\s,]+)*)/.exec(vulnerability.optionalString('recommendation') ?? '')?.[1]?.replace(/\.$/, '');
    const details: CycloneDxVulnerability = { vulnerability: vulnerability.value, scanner };
    for (const affected of vulnerability.array('affects')) {
      const ref = affected.object().string('ref');
      const pkg = components.get(ref) ?? packageOfPurl(ref) ?? { name: ref, version: '' };
      findings.push({ vulnerabilityId, packageName: pkg.name, packageVersion: pkg.version, fixedVersion, severity, active: true, location: pkg.location, vulnerabilityRecord: details, readVulnerability });
    }
  }
  return { source: scanner ?? 'cyclonedx', mode: 'snapshot', image, reportTime: metadata.optionalTime('timestamp') ?? context.now, findings: dedupeFindings(findings) };
}

/**
 * What the BOM says about the vulnerability itself. Grype writes its ratings without a source: they
 * come from the vulnerability's data source where it names one; where nothing names who scored a
 * rating, it is no CvssScore (which must say). The vulnerability's source falls back to the scanner, as
 * VulnerabilityInfo says.
 */
function vulnerabilityInfo(vulnerability: JsonReader, scanner: string | undefined): VulnerabilityInfo | undefined {
  const id = text(vulnerability, 'id');
  const source = objectAt(vulnerability, 'source');
  const dataSource = text(source, 'name');
  const ratings = itemsAt(vulnerability, 'ratings');
  const cvss = ratings.map((rating) => cvssOfRating(rating, dataSource)).filter((s): s is CvssScore => s !== undefined);
  const decisive = severityRating(ratings);
  const references = itemsAt(vulnerability, 'references');
  return withoutUndefined<VulnerabilityInfo>({
    description: text(vulnerability, 'description') ?? text(vulnerability, 'detail'),
    source: dataSource ?? scanner,
    sourceUrl: text(source, 'url'),
    vendorSeverity: decisive && text(decisive, 'severity'),
    cvss: nonEmpty(cvss),
    primaryCvss: primaryCvssOf(cvss, decisive && ratingSource(decisive, dataSource)),
    relatedVulnerabilities: nonEmpty(distinct(references.map((r) => r.raw('id')).filter((other) => other !== id))),
    referenceUrls: nonEmpty(distinct([...itemsAt(vulnerability, 'advisories').map((a) => a.raw('url')), ...references.map((r) => objectAt(r, 'source').raw('url'))])),
    cwes: nonEmpty(cweIds(itemsAt(vulnerability, 'cwes').map((c) => c.value))),
    ...exploitRatings(ratings),
    // `created` is when the record entered the vendor's database; `published` when it was made public.
    vendorCreatedAt: timeAt(vulnerability, 'created') ?? timeAt(vulnerability, 'published'),
    vendorUpdatedAt: timeAt(vulnerability, 'updated'),
  });
}

/** One of the BOM's vulnerabilities, with the scanner that wrote the BOM. */
interface CycloneDxVulnerability {
  vulnerability: unknown;
  scanner: string | undefined;
}

function readVulnerability(record: unknown): VulnerabilityInfo | undefined {
  const { vulnerability, scanner } = record as CycloneDxVulnerability;
  return vulnerabilityInfo(JsonReader.of(vulnerability, '$'), scanner);
}

function ratingSource(rating: JsonReader, fallback: string | undefined): string | undefined {
  return text(objectAt(rating, 'source'), 'name') ?? fallback;
}

/** A CVSS rating with a score and a vector. `CVSSv3` is also written for 3.1 vectors: the vector's prefix is exact. */
function cvssOfRating(rating: JsonReader, fallbackSource: string | undefined): CvssScore | undefined {
  const methodVersion = cvssMethodVersions.get(text(rating, 'method') ?? '');
  const vector = text(rating, 'vector');
  const source = ratingSource(rating, fallbackSource);
  if (!methodVersion || !vector || !source) return undefined;
  return cvssScore(numberAt(rating, 'score'), vector, source, cvssVersionOf(vector, methodVersion));
}

/** The rating whose label decided the severity: the worst label, the first of equals (as severityOfRatings). */
function severityRating(ratings: JsonReader[]): JsonReader | undefined {
  let decisive: { rating: JsonReader; rank: number } | undefined;
  for (const rating of ratings) {
    const label = severityFromLabel(rating.raw('severity'));
    if (label && (!decisive || severityRank(label) < decisive.rank)) decisive = { rating, rank: severityRank(label) };
  }
  return decisive?.rating;
}

/** Grype writes EPSS (source FIRST) and CISA KEV listing as `other` ratings; the KEV rating carries no dates. */
function exploitRatings(ratings: JsonReader[]): Pick<VulnerabilityInfo, 'epss' | 'knownExploited'> {
  const found: Pick<VulnerabilityInfo, 'epss' | 'knownExploited'> = {};
  for (const rating of ratings) {
    if (text(rating, 'method') !== 'other') continue;
    const source = objectAt(rating, 'source');
    const name = text(source, 'name') ?? '';
    const url = text(source, 'url') ?? '';
    const score = numberAt(rating, 'score');
    if (/^FIRST$/i.test(name) || url.includes('first.org/epss')) found.epss = score !== undefined && score >= 0 && score <= 1 ? score : undefined;
    else if (/\bKEV\b/.test(name) || url.includes('known-exploited-vulnerabilities')) found.knownExploited = score === 0 ? undefined : {};
  }
  return found;
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

function indexComponents(list: JsonReader[], index: Map<string, ComponentPackage>): void {
  for (const component of list) {
    component.object();
    const ref = component.optionalString('bom-ref');
    const name = component.optionalString('name');
    const group = component.optionalString('group');
    if (ref && name) index.set(ref, { name: group ? `${group}/${name}` : name, version: component.optionalString('version') ?? '', location: componentLocation(component) });
    indexComponents(component.optionalArray('components') ?? [], index);
  }
}

/**
 * Where the scanner found the component, from the properties Trivy (`aquasecurity:trivy:*`) and Syft
 * (`syft:*`, in Grype's BOMs) write. The scanner's package type says more than the purl (a pkg:maven is
 * a pom.xml entry or a jar), so it wins.
 */
function componentLocation(component: JsonReader): PackageLocation | undefined {
  const properties = new Map<string, string>();
  for (const property of itemsAt(component, 'properties')) {
    const name = text(property, 'name');
    const value = text(property, 'value');
    if (name && value && !properties.has(name)) properties.set(name, value);
  }
  const type = properties.get('aquasecurity:trivy:PkgType') ?? properties.get('syft:package:type');
  return withoutUndefined<PackageLocation>({
    filePath: properties.get('aquasecurity:trivy:FilePath') ?? properties.get('syft:location:0:path'),
    layerHash: properties.get('aquasecurity:trivy:LayerDigest') ?? properties.get('syft:location:0:layerID'),
    packageManager: packageManagerOf(type) ?? packageManagerOfPurl(text(component, 'purl')),
  });
}

function packageOfPurl(ref: string): ComponentPackage | undefined {
  const match = /^pkg:[^/]+\/(.+?)@([^?#]+)/.exec(ref);
  if (!match) return undefined;
  const packageManager = packageManagerOfPurl(ref);
  return { name: decodeURIComponent(match[1]), version: decodeURIComponent(match[2]), location: packageManager && { packageManager } };
}

function toolName(metadata: JsonReader): string | undefined {
  const tools = metadata.child('tools');
  // 1.4: an array of {vendor, name}; 1.5+: {components: [{name}]} (the array form is deprecated).
  const list = Array.isArray(tools.value) ? tools.items() : tools.isObject() ? (tools.optionalArray('components') ?? []) : [];
  const name = list.map((t) => t.raw('name')).find((n): n is string => typeof n === 'string' && n !== '');
  return name?.toLowerCase();
}
