// Helpers the findings parsers share to read what a finding carries beyond its key: CVSS scores, the
// score a severity rests on, package managers, and lists of distinct strings.
import { packageManagers, type CvssScore, type PackageManager } from '../../domain/findings.ts';
import { JsonReader } from '../json-reader.ts';
import { parseTimestamp } from '../timestamp.ts';

/** The version a vector names (`CVSS:3.1/AV:N/...` -> `3.1`), else the one the report states otherwise (a v2 vector has no prefix). */
export function cvssVersionOf(vector: string, fallback = '2.0'): string {
  return /^CVSS:(\d\.\d)\//.exec(vector)?.[1] ?? fallback;
}

/** A score with its vector, or undefined when either is missing (Inspector's CvssScore needs both). */
export function cvssScore(baseScore: unknown, vector: unknown, source: string, version?: string): CvssScore | undefined {
  if (typeof baseScore !== 'number' || !Number.isFinite(baseScore) || typeof vector !== 'string' || vector === '') return undefined;
  return { baseScore, scoringVector: vector, version: version ?? cvssVersionOf(vector), source };
}

/** The CVSS v3 score a severity rests on: the given source's, else NVD's, else the first v3 one. */
export function primaryCvssOf(scores: CvssScore[], preferredSource?: string): CvssScore | undefined {
  const v3 = scores.filter((s) => s.version.startsWith('3'));
  const bySource = (source: string | undefined) => (source ? v3.find((s) => s.source.toLowerCase().startsWith(source.toLowerCase())) : undefined);
  return bySource(preferredSource) ?? bySource('nvd') ?? v3[0];
}

/** The non-empty strings of an optional array, each once, in order. */
export function stringList(reader: JsonReader, key: string): string[] {
  return distinct(itemsAt(reader, key).map((item) => item.value));
}

export function distinct(values: unknown[]): string[] {
  // Lists here are short (a few links or ids): a scan is cheaper than a Set.
  const out: string[] = [];
  for (const v of values) if (typeof v === 'string' && v !== '' && !out.includes(v)) out.push(v);
  return out;
}

/** An optional list: undefined when empty, so an absent member stays absent. */
export function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

/** Trivy's result `Type` and Grype's artifact `type` -> Inspector's package manager, where one fits. */
const packageManagerOfType = new Map<string, PackageManager>(Object.entries({
  npm: 'NPM', yarn: 'YARN', 'node-pkg': 'NODEPKG', pip: 'PIP', pipenv: 'PIPENV', poetry: 'POETRY', 'python-pkg': 'PYTHONPKG', python: 'PYTHONPKG',
  gomod: 'GOMOD', gobinary: 'GOBINARY', jar: 'JAR', 'java-archive': 'JAR', pom: 'POM', bundler: 'BUNDLER', gemspec: 'GEMSPEC', gem: 'GEMSPEC',
  cargo: 'CARGO', 'rust-crate': 'CARGO', composer: 'COMPOSER', 'php-composer': 'COMPOSER', nuget: 'NUGET', 'dotnet-core': 'DOTNET_CORE', dotnet: 'DOTNET_CORE',
  // Grype's operating system package types.
  apk: 'OS', deb: 'OS', rpm: 'OS', alpm: 'OS', portage: 'OS',
} satisfies Record<string, PackageManager>));

export function packageManagerOf(type: string | undefined): PackageManager | undefined {
  return type === undefined ? undefined : packageManagerOfType.get(type);
}

// Details are optional: a member that is absent or of another type than expected is left out, never
// a reason to reject the report (its findings' keys are read strictly elsewhere).

/** A non-empty string member, else undefined. */
export function text(reader: JsonReader, key: string): string | undefined {
  const v = reader.raw(key);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A finite number member, else undefined. */
export function numberAt(reader: JsonReader, key: string): number | undefined {
  const v = reader.raw(key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A date member (ISO 8601, or `2021-12-31`) as epoch ms, else undefined. */
export function timeAt(reader: JsonReader, key: string): number | undefined {
  const v = text(reader, key);
  const ms = v === undefined ? NaN : parseTimestamp(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The members of an object member as readers, else none. */
export function entriesAt(reader: JsonReader, key: string): [string, JsonReader][] {
  const child = reader.child(key);
  return child.isObject() ? Object.keys(child.value as object).map((name) => [name, child.child(name)]) : [];
}

/** What an absent or mistyped member reads as: details are never a reason to fail, so it needs no path. */
const absent = JsonReader.of(undefined, '$');

/** An object member as a reader; anything else (absent, a string, an array) reads as an empty member. */
export function objectAt(reader: JsonReader, key: string): JsonReader {
  const v = reader.raw(key);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? reader.child(key) : absent;
}

/** The elements of an array member, else none. */
export function itemsAt(reader: JsonReader, key: string): JsonReader[] {
  const child = reader.child(key);
  return Array.isArray(child.value) ? child.items() : [];
}

/** The object without its undefined members, or undefined when none is left (an absent detail stays absent). */
export function withoutUndefined<T extends object>(value: T): T | undefined {
  // Runs once per finding: a plain loop, without the arrays Object.entries would make.
  let out: Record<string, unknown> | undefined;
  for (const key in value) {
    const v = value[key];
    if (v !== undefined) (out ??= {})[key] = v;
  }
  return out as T | undefined;
}

/** CWE ids as `CWE-<n>`, from numbers (CycloneDX) or `CWE-<n>` strings (SARIF tags); anything else is dropped. */
export function cweIds(values: unknown[]): string[] {
  const ids = values.map((v) => {
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return `CWE-${v}`;
    const match = typeof v === 'string' ? /^CWE-(\d+)$/i.exec(v.trim()) : null;
    return match ? `CWE-${match[1]}` : undefined;
  });
  return distinct(ids);
}

/** Only Inspector's own package manager names; a lookup that found something else yields nothing. */
export function knownPackageManager(value: unknown): PackageManager | undefined {
  return (packageManagers as readonly unknown[]).includes(value) ? (value as PackageManager) : undefined;
}

// A purl's type names the ecosystem. Maven is left out: a pkg:maven is a pom.xml entry or a jar, and
// only the scanner's own package type says which.
const packageManagerOfPurlType = new Map<string, PackageManager>([
  ['npm', 'NPM'], ['pypi', 'PIP'], ['golang', 'GOMOD'], ['gem', 'GEMSPEC'], ['nuget', 'NUGET'], ['cargo', 'CARGO'],
  ['composer', 'COMPOSER'], ['apk', 'OS'], ['deb', 'OS'], ['rpm', 'OS'], ['alpm', 'OS'],
]);

/** `pkg:npm/...` -> NPM; undefined for a type that does not name one package manager. */
export function packageManagerOfPurl(purl: string | undefined): PackageManager | undefined {
  const type = purl ? /^pkg:([a-zA-Z][\w.+-]*)\//.exec(purl)?.[1] : undefined;
  return type ? packageManagerOfPurlType.get(type.toLowerCase()) : undefined;
}
