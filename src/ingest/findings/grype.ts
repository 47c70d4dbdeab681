// Grype JSON (`grype -o json`) -> one findings snapshot per report. The image is keyed on
// source.target.repoDigests (registry digest), else manifestDigest with the first tag or user input.
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import type { ParseContext, ParseResult } from '../parse-result.ts';
import { dedupeFindings, type Finding, type FindingsReport } from '../../domain/findings.ts';
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

/** Grype's `fix.versions` (state `fixed`): the versions that fix the match, if any. */
function fixVersions(vulnerability: JsonReader): string | undefined {
  const versions = (vulnerability.child('fix').optionalArray('versions') ?? []).map((v) => v.value).filter((v): v is string => typeof v === 'string' && v !== '');
  return versions.length > 0 ? versions.join(', ') : undefined;
}
