// The alerts file (`serve --alerts FILE`, `IMAGESCOPE_ALERTS`; YAML or JSON, which is YAML too): where
// exposure events go and which of them. Checked whole at start: every error names the file, its line
// and what is wrong, and nothing starts with a file that has one. Secrets are read from the
// environment (`env:NAME`) or given literally (`whsec_...`), and never appear in an error or a log.
import { readFileSync } from 'node:fs';
import ms from 'ms';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { severities, type Severity } from '../domain/severity.ts';

export const alertEventTypes = [
  'io.imagescope.exposure.opened',
  'io.imagescope.exposure.escalated',
  'io.imagescope.exposure.updated',
  'io.imagescope.exposure.resolved',
  'io.imagescope.feed.stale',
  'io.imagescope.summary',
] as const;
export type AlertEventType = (typeof alertEventTypes)[number];

export interface Destination {
  name: string;
  type: 'webhook' | 'slack';
  url: string;
  /** The signing key's bytes (Standard Webhooks: the base64 after `whsec_`). */
  secret: Buffer;
  headers: Record<string, string>;
  events: AlertEventType[];
  /** Absent: every severity, UNTRIAGED included. */
  minSeverity?: Severity;
  /** Globs (`*` any run of characters); empty: all. */
  accounts: string[];
  clusters: string[];
  namespaces: string[];
  repositories: string[];
  fixAvailableOnly: boolean;
  resolveAfterMs: number;
  cooldownMs: number;
  batchWindowMs: number;
}

export interface AlertsConfig {
  destinations: Destination[];
  /** `summary: daily` at `summaryAt` (HH:MM, UTC); undefined: no summary. */
  summaryAt?: string;
}

export class AlertsFileError extends Error {}

const defaults = { resolveAfter: '15m', cooldown: '24h', batchWindow: '60s' };
const destinationKeys = new Set(['name', 'type', 'url', 'secret', 'headers', 'events', 'minSeverity', 'accounts', 'clusters', 'namespaces', 'repositories', 'fixAvailableOnly', 'resolveAfter', 'cooldown', 'batchWindow']);

export function readAlertsFile(path: string, env: NodeJS.ProcessEnv = process.env): AlertsConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AlertsFileError(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseAlertsFile(path, text, env);
}

export function parseAlertsFile(path: string, text: string, env: NodeJS.ProcessEnv = process.env): AlertsConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const errors: string[] = [];
  for (const e of doc.errors) errors.push(`${path}:${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
  if (errors.length) throw new AlertsFileError(errors.join('\n'));
  const reader = new Reader(path, doc, lines, env);
  const config = reader.config();
  if (reader.errors.length) throw new AlertsFileError(reader.errors.sort((a, b) => lineOf(a) - lineOf(b)).join('\n'));
  return config;
}

const lineOf = (error: string) => Number(/:(\d+): /.exec(error)?.[1] ?? 0);

/** Reads the document's values by path, collecting every error with its line. */
class Reader {
  readonly errors: string[] = [];

  constructor(private readonly path: string, private readonly doc: Document, private readonly lines: LineCounter, private readonly env: NodeJS.ProcessEnv) {}

  config(): AlertsConfig {
    const root = this.doc.toJS() as unknown;
    if (typeof root !== 'object' || root === null || Array.isArray(root)) {
      this.fail([], 'must be a mapping with `destinations:`');
      return { destinations: [] };
    }
    const top = root as Record<string, unknown>;
    for (const key of Object.keys(top)) if (key !== 'destinations' && key !== 'summary') this.fail([key], `unknown key '${key}': expected destinations, summary`);
    if (!Array.isArray(top.destinations) || top.destinations.length === 0) this.fail(['destinations'], 'must be a list of at least one destination');
    const destinations = (Array.isArray(top.destinations) ? top.destinations : []).map((d, i) => this.destination(d, i)).filter((d): d is Destination => d !== undefined);
    const seen = new Set<string>();
    destinations.forEach((d, i) => {
      if (seen.has(d.name)) this.fail(['destinations', i, 'name'], `another destination is named '${d.name}'`);
      seen.add(d.name);
    });
    return { destinations, ...this.summary(top.summary) };
  }

  private summary(value: unknown): { summaryAt?: string } {
    if (value === undefined) return {};
    const summary = value as { schedule?: unknown; at?: unknown };
    if (typeof value !== 'object' || value === null || summary.schedule !== 'daily') {
      this.fail(['summary'], "must be `summary: {schedule: daily, at: 'HH:MM'}` (UTC)");
      return {};
    }
    const at = summary.at ?? '08:00';
    if (typeof at !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(at)) {
      this.fail(['summary', 'at'], "must be a UTC time such as '08:00'");
      return {};
    }
    return { summaryAt: at };
  }

  private destination(value: unknown, i: number): Destination | undefined {
    const at = (key: string | number, ...rest: (string | number)[]) => ['destinations', i, key, ...rest];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return void this.fail(['destinations', i], 'must be a mapping (name, type, url, secret, ...)');
    const d = value as Record<string, unknown>;
    for (const key of Object.keys(d)) if (!destinationKeys.has(key)) this.fail(at(key), `unknown key '${key}'`);
    const name = this.text(d.name, at('name'), 'name') ?? `#${i + 1}`;
    const type = d.type === 'webhook' || d.type === 'slack' ? d.type : void this.fail(at('type'), 'type must be webhook or slack');
    const url = this.url(d.url, at('url'));
    const secret = this.secret(d.secret, at('secret'), type === 'slack');
    const headers = this.headers(d.headers, at('headers'));
    const events = this.list(d.events, at('events'), 'events').filter((e, j) => (alertEventTypes as readonly string[]).includes(e) || void this.fail(at('events', j), `unknown event '${e}': ${alertEventTypes.join(', ')}`));
    const minSeverityValid = d.minSeverity === undefined || (severities as readonly string[]).includes(String(d.minSeverity));
    if (!minSeverityValid) this.fail(at('minSeverity'), `minSeverity must be one of ${severities.join(', ')}`);
    if (d.fixAvailableOnly !== undefined && typeof d.fixAvailableOnly !== 'boolean') this.fail(at('fixAvailableOnly'), 'fixAvailableOnly must be true or false');
    const durations = Object.fromEntries((['resolveAfter', 'cooldown', 'batchWindow'] as const).map((key) => [key, this.duration(d[key] ?? defaults[key], at(key), key)]));
    if (!type || !url || secret === undefined || !headers || !minSeverityValid) return undefined;
    return {
      name, type, url, secret, headers,
      events: events.length ? (events as AlertEventType[]) : [...alertEventTypes],
      ...(d.minSeverity !== undefined && { minSeverity: d.minSeverity as Severity }),
      accounts: this.list(d.accounts, at('accounts'), 'accounts'),
      clusters: this.list(d.clusters, at('clusters'), 'clusters'),
      namespaces: this.list(d.namespaces, at('namespaces'), 'namespaces'),
      repositories: this.list(d.repositories, at('repositories'), 'repositories'),
      fixAvailableOnly: d.fixAvailableOnly === true,
      resolveAfterMs: durations.resolveAfter!,
      cooldownMs: durations.cooldown!,
      batchWindowMs: durations.batchWindow!,
    };
  }

  private text(value: unknown, path: (string | number)[], what: string): string | undefined {
    if (typeof value === 'string' && value.trim() !== '') return value;
    return void this.fail(path, `${what} must be a non-empty string`);
  }

  private url(value: unknown, path: (string | number)[]): string | undefined {
    const text = this.text(value, path, 'url');
    if (text === undefined) return undefined;
    try {
      const url = new URL(text);
      if (url.protocol === 'https:' || url.protocol === 'http:') return text;
    } catch {
      // said below
    }
    return void this.fail(path, 'url must be an http:// or https:// URL');
  }

  /** `env:NAME` (read now) or a literal `whsec_<base64>`; Slack's incoming webhooks sign nothing, so theirs is optional. */
  private secret(value: unknown, path: (string | number)[], optional: boolean): Buffer | undefined {
    if (value === undefined && optional) return Buffer.alloc(0);
    if (typeof value !== 'string') return void this.fail(path, 'secret must be env:NAME or whsec_<base64>');
    const given = value.startsWith('env:') ? this.env[value.slice(4)] : value;
    if (given === undefined) return void this.fail(path, `secret names ${value}, which is not set`);
    const base64 = given.startsWith('whsec_') ? given.slice(6) : undefined;
    const key = base64 !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? Buffer.from(base64, 'base64') : undefined;
    // The value itself is never repeated: an error names where it came from, not what it is.
    if (!key || key.length < 24) return void this.fail(path, `secret${value.startsWith('env:') ? ` (from ${value})` : ''} must be whsec_ followed by the base64 of at least 24 random bytes`);
    return key;
  }

  private headers(value: unknown, path: (string | number)[]): Record<string, string> | undefined {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return void this.fail(path, 'headers must be a mapping of names to values (env:NAME allowed)');
    const out: Record<string, string> = {};
    for (const [name, raw] of Object.entries(value)) {
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) this.fail([...path, name], `'${name}' is not an HTTP header name`);
      const resolved = typeof raw === 'string' && raw.startsWith('env:') ? this.env[raw.slice(4)] : raw;
      if (typeof resolved !== 'string') this.fail([...path, name], typeof raw === 'string' ? `${raw} is not set` : 'must be a string');
      else out[name] = resolved;
    }
    return out;
  }

  private list(value: unknown, path: (string | number)[], what: string): string[] {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
      this.fail(path, `${what} must be a list of non-empty strings`);
      return [];
    }
    return value as string[];
  }

  private duration(value: unknown, path: (string | number)[], what: string): number | undefined {
    const parsed = typeof value === 'string' ? ms(value as ms.StringValue) : NaN;
    if (parsed > 0) return parsed;
    return void this.fail(path, `${what} must be a duration such as 30s, 15m or 24h`);
  }

  /** Records an error at the line of the nearest node of `path` the document has. */
  fail(path: (string | number)[], message: string): undefined {
    let line = 1;
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) {
        line = this.lines.linePos(node.range[0]).line;
        break;
      }
    }
    this.errors.push(`${this.path}:${line}: ${path.length ? `${path.join('.')}: ` : ''}${message}`);
    return undefined;
  }
}
