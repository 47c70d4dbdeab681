// Grype JSON (`grype -o json`) -> one findings snapshot per report. The image is keyed on
// source.target.repoDigests (registry digest), else manifestDigest with the first tag or user input.
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import type { ParseContext, ParseResult } from '../parse-result.ts';
import { dedupeFindings, type Finding, type FindingsReport, type PackageLocation, type VulnerabilityInfo } from '../../domain/findings.ts';
import { cvssScore, distinct, itemsAt, nonEmpty, numberAt, packageManagerOf, primaryCvssOf, stringList, text, timeAt, withoutUndefined } from './finding-details.ts';
import { isManifestDigest } from '../../domain/images.ts';
import { reportImage, reportTags, type ImageCandidate } from './report-image.ts';
import { normaliseSeverity } from '../../domain/severity.ts';

export function isGrypeReport(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.matches) && typeof v.source === 'object';
}

export function parseGrype(documents: JsonDocument[], context: ParseContext): ParseResult {
  const reports = documents.map((doc) => parseReport(JsonReader.of(doc.value, doc.path).object(), context));
  return { findings: reports, skipped: [], images: reports.map((r) => r.image) };
}

function parseReport(root: JsonReader, context: ParseContext): FindingsReport {
  const target = root.child('source').object().child('target');
  const candidates: ImageCandidate[] = [];
  let manifestDigest: string | undefined;
  let references: string[] = [];
  if (target.isObject()) {
    for (const d of target.optionalArray('repoDigests') ?? []) if (typeof d.value === 'string') candidates.push({ reference: d.value });
    manifestDigest = target.optionalString('manifestDigest');
    references = (target.optionalArray('tags') ?? []).map((t) => t.value).filter((t): t is string => typeof t === 'string');
    const name = references[0] ?? target.optionalString('userInput');
    if (manifestDigest && name) candidates.push({ reference: name, digest: manifestDigest });
  }
  const image = reportImage(candidates, context, `${target.path}.repoDigests`);
  // The registry's digest keys the image; the platform manifest Grype scanned is the same image where
  // a runtime reports that digest instead (unless --image named the image).
  const tags = reportTags(references, image, context);
  const linkedDigests = !context.image && manifestDigest && isManifestDigest(manifestDigest) && manifestDigest !== image.digest ? [manifestDigest] : undefined;
  const findings: Finding[] = root.array('matches').map((match) => {
    const vulnerability = match.object().child('vulnerability').object();
    const artifact = match.child('artifact').object();
    return {
      vulnerabilityId: vulnerability.string('id'),
      packageName: artifact.string('name'),
      packageVersion: artifact.optionalString('version') ?? '',
      fixedVersion: fixVersions(vulnerability),
      severity: normaliseSeverity(vulnerability.optionalString('severity'), cvss3Score(vulnerability)),
      active: true,
      location: packageLocation(artifact),
      vulnerabilityRecord: match.value, readVulnerability,
    };
  });
  return {
    source: 'grype',
    mode: 'snapshot',
    image,
    ...(linkedDigests && { linkedDigests }),
    ...(tags && { tags }),
    reportTime: root.child('descriptor').optionalTime('timestamp') ?? context.now,
    findings: dedupeFindings(findings),
  };
}

function cvss3Score(vulnerability: JsonReader): number | undefined {
  for (const cvss of vulnerability.optionalArray('cvss') ?? []) {
    const version = cvss.optionalString('version');
    const score = cvss.child('metrics').optionalNumber('baseScore');
    if (version?.startsWith('3') && score !== undefined) return score;
  }
  return undefined;
}

/** A Grype match: its vulnerability, with the related records Grype adds. */
function readVulnerability(record: unknown): VulnerabilityInfo | undefined {
  const match = JsonReader.of(record, '$');
  return vulnerabilityInfo(match.child('vulnerability'), itemsAt(match, 'relatedVulnerabilities').filter((r) => r.isObject()));
}

/**
 * What Grype says of the vulnerability. For a distribution's match the record of the vulnerability
 * itself is short (no description, no CVSS) and the NVD record comes among the related ones: their
 * description, scores and links are the report's too.
 */
function vulnerabilityInfo(vulnerability: JsonReader, related: JsonReader[]): VulnerabilityInfo | undefined {
  const id = text(vulnerability, 'id');
  // `namespace` names the data source: `nvd:cpe`, `debian:distro:debian:10`, `github:language:python`.
  const source = text(vulnerability, 'namespace')?.split(':')[0] ?? 'grype';
  const scores = (record: JsonReader, recordSource: string) =>
    itemsAt(record, 'cvss').filter((c) => c.isObject()).map((c) => cvssScore(numberAt(c.child('metrics'), 'baseScore'), text(c, 'vector'), text(c, 'source') ?? recordSource, text(c, 'version')));
  const cvss = [vulnerability, ...related].flatMap((record) => scores(record, text(record, 'namespace')?.split(':')[0] ?? source)).filter((c) => c !== undefined);
  const distinctCvss = [...new Map(cvss.map((c) => [`${c.source}\u0000${c.scoringVector}`, c])).values()];
  const epss = itemsAt(vulnerability, 'epss').find((e) => e.isObject() && numberAt(e, 'epss') !== undefined);
  const kev = itemsAt(vulnerability, 'knownExploited').find((k) => k.isObject());
  return withoutUndefined<VulnerabilityInfo>({
    description: text(vulnerability, 'description') ?? related.map((r) => text(r, 'description')).find((d) => d !== undefined),
    source,
    sourceUrl: text(vulnerability, 'dataSource'),
    vendorSeverity: text(vulnerability, 'severity'),
    cvss: nonEmpty(distinctCvss),
    primaryCvss: primaryCvssOf(distinctCvss),
    relatedVulnerabilities: nonEmpty(distinct(related.map((r) => text(r, 'id')).filter((r) => r !== id))),
    referenceUrls: nonEmpty(distinct([vulnerability, ...related].flatMap((record) => itemsAt(record, 'urls').map((u) => u.value)))),
    cwes: kev ? nonEmpty(stringList(kev, 'cwes')) : undefined,
    epss: epss ? numberAt(epss, 'epss') : undefined,
    knownExploited: kev ? (withoutUndefined({ dateAdded: timeAt(kev, 'dateAdded'), dateDue: timeAt(kev, 'dueDate'), action: text(kev, 'requiredAction') }) ?? {}) : undefined,
  });
}

/** The first place Grype found the package: its file and layer; the package manager from its type. */
function packageLocation(artifact: JsonReader): PackageLocation | undefined {
  const first = itemsAt(artifact, 'locations').find((l) => l.isObject());
  return withoutUndefined<PackageLocation>({
    filePath: first ? text(first, 'path') : undefined,
    layerHash: first ? text(first, 'layerID') : undefined,
    packageManager: packageManagerOf(text(artifact, 'type')),
  });
}

/** Grype's `fix.versions` (state `fixed`): the versions that fix the match, if any. */
function fixVersions(vulnerability: JsonReader): string | undefined {
  const versions = (vulnerability.child('fix').optionalArray('versions') ?? []).map((v) => v.value).filter((v): v is string => typeof v === 'string' && v !== '');
  return versions.length > 0 ? versions.join(', ') : undefined;
}
