// SARIF 2.1.0 from Trivy (`trivy -f sarif`) and Grype (`grype -o sarif`) -> one findings snapshot per
// run. SARIF has no fields for package or severity, so both scanners write them into text: Trivy's
// result message "Package: p | Installed Version: v | Vulnerability id | Severity: S", Grype's rule help
// "Vulnerability id\nSeverity: s\nPackage: p\nVersion: v". The scanner's label wins over the rule's
// `security-severity` (a CVSS score); `level` (note/warning/error) is only SARIF's coarse mapping.
// Details: no CvssScore. `security-severity` has no vector (and both scanners make one up from the label
// when there is no score); Trivy's rule properties `cvssv3_baseScore`/`cvssv3_vector` (and v2, v4.0) are
// its severity source's scores, but SARIF does not name that source, and a CvssScore must.
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import type { ParseContext, ParseResult } from '../parse-result.ts';
import { dedupeFindings, type Finding, type FindingsReport, type PackageLocation, type VulnerabilityInfo } from '../../domain/findings.ts';
import { reportImage, type ImageCandidate } from './report-image.ts';
import { normaliseSeverity } from '../../domain/severity.ts';
import { cweIds, itemsAt, nonEmpty, objectAt, packageManagerOf, packageManagerOfPurl, text, withoutUndefined } from './finding-details.ts';

export function isSarif(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && v.version === '2.1.0' && Array.isArray(v.runs);
}

export function parseSarif(documents: JsonDocument[], context: ParseContext): ParseResult {
  const reports = documents.flatMap((doc) => {
    const root = JsonReader.of(doc.value, doc.path).object();
    if (root.raw('version') !== '2.1.0') root.fail(`SARIF ${String(root.raw('version'))} is not supported (expected 2.1.0)`, 'version');
    return root.array('runs').map((run) => parseRun(run.object(), context));
  });
  return { findings: reports, skipped: [], images: reports.map((r) => r.image) };
}

function parseRun(run: JsonReader, context: ParseContext): FindingsReport {
  const driver = run.child('tool').child('driver').object();
  const rules = new Map<string, JsonReader>();
  for (const rule of driver.optionalArray('rules') ?? []) rules.set(rule.object().string('id'), rule);
  const properties = run.child('properties');
  const candidates: ImageCandidate[] = properties.isObject()
    ? (properties.optionalArray('repoDigests') ?? []).map((d) => d.value).filter((d): d is string => typeof d === 'string').map((reference) => ({ reference }))
    : [];
  const image = reportImage(candidates, context, `${properties.path}.repoDigests`);
  const scanner = driver.string('name').toLowerCase();
  // One rule per vulnerability: every result of a rule shares its record.
  const records = new Map<string, SarifRule>();
  const recordOf = (ruleId: string, rule: JsonReader | undefined) => {
    if (!records.has(ruleId)) records.set(ruleId, { rule: rule?.value, driver: driver.value, scanner });
    return records.get(ruleId);
  };
  const findings: Finding[] = (run.optionalArray('results') ?? []).map((result) => {
    result.object();
    const ruleId = result.string('ruleId');
    const rule = rules.get(ruleId);
    const message = result.child('message').optionalString('text') ?? '';
    const help = rule?.child('help').optionalString('text') ?? '';
    const text = `${message}\n${help}`;
    const label = /Severity: (\w+)/.exec(text)?.[1] ?? /^An? (\w+) vulnerability/.exec(message)?.[1];
    const score = Number(rule?.child('properties').optionalString('security-severity'));
    return {
      vulnerabilityId: /Vulnerability (\S+)/.exec(text)?.[1] ?? ruleId,
      packageName: (/Package: ([^|\n]+)/.exec(text)?.[1] ?? /package: ([^,]+),/.exec(message)?.[1] ?? locationOf(result) ?? '').trim(),
      packageVersion: (/Installed Version: ([^|\n]+)/.exec(text)?.[1] ?? /\bversion (\S+)/.exec(message)?.[1] ?? /\nVersion: ([^\n]+)/.exec(help)?.[1] ?? '').trim(),
      // Trivy's message says "Fixed Version: v"; Grype's SARIF names no fix.
      fixedVersion: /Fixed Version: ([^|\n]+)/.exec(text)?.[1]?.trim() || undefined,
      severity: normaliseSeverity(label, Number.isNaN(score) ? undefined : score),
      active: true,
      location: resultLocation(result, rule, help),
      vulnerabilityRecord: recordOf(ruleId, rule), readVulnerability,
    };
  });
  const invocation = (run.optionalArray('invocations') ?? [])[0];
  const reportTime = invocation?.optionalTime('endTimeUtc') ?? invocation?.optionalTime('startTimeUtc') ?? context.now;
  return { source: scanner, mode: 'snapshot', image, reportTime, findings: dedupeFindings(findings) };
}

/** A rule of the run (absent when the results name a rule the run does not list), with its tool. */
interface SarifRule {
  rule: unknown;
  driver: unknown;
  scanner: string;
}

function readVulnerability(record: unknown): VulnerabilityInfo | undefined {
  const { rule, driver, scanner } = record as SarifRule;
  return rule === undefined ? undefined : ruleDetails(JsonReader.of(rule, '$'), JsonReader.of(driver, '$'), scanner);
}

/**
 * What a rule says about its vulnerability. Grype's rule texts are its own boilerplate where its
 * database has nothing ("CVE-x low vulnerability for p package", "Version v is affected with ..."), and
 * its helpUri is Grype's home page on every rule: none of that is about the vulnerability, so it is left out.
 */
function ruleDetails(rule: JsonReader, driver: JsonReader, scanner: string): VulnerabilityInfo | undefined {
  const properties = objectAt(rule, 'properties');
  const title = text(objectAt(rule, 'shortDescription'), 'text');
  const full = text(objectAt(rule, 'fullDescription'), 'text');
  const help = text(objectAt(rule, 'help'), 'text');
  const helpUri = text(rule, 'helpUri');
  const grype = scanner === 'grype';
  return withoutUndefined<VulnerabilityInfo>({
    title: grype && /^\S+ \w+ vulnerability for .* package$/.test(title ?? '') ? undefined : title,
    // Both scanners' help text is their summary table (id, severity, package) before any description.
    description: [full, help].find((d) => d && !(grype && /^Version \S+ is affected with /.test(d)) && !/^Vulnerability \S+\nSeverity: /.test(d)),
    // SARIF names no data source: the scanner is the source, as VulnerabilityInfo says.
    source: scanner,
    referenceUrls: helpUri && helpUri !== text(driver, 'informationUri') ? [helpUri] : undefined,
    cwes: nonEmpty(cweIds(itemsAt(properties, 'tags').map((t) => t.value))),
  });
}

/**
 * Where in the image the package is. Grype's physical location is "<image name>/<path>" (a path GitHub
 * accepts); its logical location names the real path, as `<input>@<layer>:/<path>` with the layer. Trivy's
 * location is the package's file for language packages, and the image itself for OS packages.
 */
function resultLocation(result: JsonReader, rule: JsonReader | undefined, help: string): PackageLocation | undefined {
  const first = itemsAt(result, 'locations')[0];
  const location = first?.isObject() ? first : undefined;
  const logical = location && itemsAt(location, 'logicalLocations')[0];
  const realPath = logical && text(logical, 'name');
  const layer = logical && /@(sha256:[a-f0-9]{64}):\//.exec(text(logical, 'fullyQualifiedName') ?? '')?.[1];
  const uri = location && text(objectAt(objectAt(location, 'physicalLocation'), 'artifactLocation'), 'uri');
  const kind = rule && text(rule, 'name');
  const purl = rule && itemsAt(objectAt(rule, 'properties'), 'purls').map((p) => p.value).find((p): p is string => typeof p === 'string');
  return withoutUndefined<PackageLocation>({
    filePath: realPath?.startsWith('/') ? realPath : kind === 'LanguageSpecificPackageVulnerability' ? uri : undefined,
    layerHash: layer,
    packageManager:
      packageManagerOfPurl(purl) ??
      packageManagerOf(/\nType: (\S+)/.exec(help)?.[1]) ??
      (kind === 'OsPackageVulnerability' ? 'OS' : undefined),
  });
}

function locationOf(result: JsonReader): string | undefined {
  const location = (result.optionalArray('locations') ?? [])[0];
  return location?.child('physicalLocation').child('artifactLocation').optionalString('uri');
}
