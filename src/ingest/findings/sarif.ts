// SARIF 2.1.0 from Trivy (`trivy -f sarif`) and Grype (`grype -o sarif`) -> one findings snapshot per
// run. SARIF has no fields for package or severity, so both scanners write them into text: Trivy's
// result message "Package: p | Installed Version: v | Vulnerability id | Severity: S", Grype's rule help
// "Vulnerability id\nSeverity: s\nPackage: p\nVersion: v". The scanner's label wins over the rule's
// `security-severity` (a CVSS score); `level` (note/warning/error) is only SARIF's coarse mapping.
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import type { ParseContext, ParseResult } from '../parse-result.ts';
import { dedupeFindings, type Finding, type FindingsReport } from '../../domain/findings.ts';
import { reportImage, type ImageCandidate } from './report-image.ts';
import { normaliseSeverity } from '../../domain/severity.ts';

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
    };
  });
  const invocation = (run.optionalArray('invocations') ?? [])[0];
  const reportTime = invocation?.optionalTime('endTimeUtc') ?? invocation?.optionalTime('startTimeUtc') ?? context.now;
  return { source: driver.string('name').toLowerCase(), mode: 'snapshot', image, reportTime, findings: dedupeFindings(findings) };
}

function locationOf(result: JsonReader): string | undefined {
  const location = (result.optionalArray('locations') ?? [])[0];
  return location?.child('physicalLocation').child('artifactLocation').optionalString('uri');
}
