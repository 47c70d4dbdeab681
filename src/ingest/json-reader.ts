// Typed reads from untrusted JSON with the JSON path of every value, so a parser can say exactly
// where a file is malformed. Reads throw IngestRejection; optional reads return undefined.
import { IngestRejection } from './ingest-rejection.ts';
import { parseTimestamp } from './timestamp.ts';

export class JsonReader {
  private constructor(
    readonly value: unknown,
    // The path is spelled out only when a message needs it: a report has millions of values and
    // almost all of them are read without fault.
    private readonly parent: JsonReader | string,
    private readonly key?: string | number,
  ) {}

  static of(value: unknown, path: string): JsonReader {
    return new JsonReader(value, path);
  }

  /** This value's JSON path (`$.Results[0].Vulnerabilities[3]`). */
  get path(): string {
    return typeof this.parent === 'string' ? this.parent : childPath(this.parent.path, this.key!);
  }

  fail(reason: string, key?: string | number): never {
    throw new IngestRejection(key === undefined ? this.path : childPath(this.path, key), reason);
  }

  isObject(): boolean {
    return typeof this.value === 'object' && this.value !== null && !Array.isArray(this.value);
  }

  /** Asserts this value is an object. */
  object(): this {
    if (!this.isObject()) this.fail(`expected an object, found ${kindOf(this.value)}`);
    return this;
  }

  has(key: string): boolean {
    return this.isObject() && (this.value as Record<string, unknown>)[key] !== undefined && (this.value as Record<string, unknown>)[key] !== null;
  }

  raw(key: string): unknown {
    return this.isObject() ? (this.value as Record<string, unknown>)[key] : undefined;
  }

  /** The member `key`; reading through a missing object yields missing members, not an error. */
  child(key: string): JsonReader {
    if (this.value !== undefined && this.value !== null) this.object();
    return new JsonReader(this.raw(key), this, key);
  }

  string(key: string): string {
    const v = this.child(key).value;
    if (typeof v !== 'string' || v === '') this.fail(v === undefined || v === null ? 'required string is missing' : `expected a non-empty string, found ${kindOf(v)}`, key);
    return v;
  }

  optionalString(key: string): string | undefined {
    const v = this.child(key).value;
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') this.fail(`expected a string, found ${kindOf(v)}`, key);
    return v;
  }

  number(key: string): number {
    const v = this.child(key).value;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(v === undefined || v === null ? 'required number is missing' : `expected a number, found ${kindOf(v)}`, key);
    return v;
  }

  optionalNumber(key: string): number | undefined {
    const v = this.child(key).value;
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`expected a number, found ${kindOf(v)}`, key);
    return v;
  }

  /** An ISO-8601 timestamp as epoch milliseconds. */
  time(key: string): number {
    const ms = this.optionalTime(key);
    if (ms === undefined) this.fail('required timestamp is missing', key);
    return ms;
  }

  optionalTime(key: string): number | undefined {
    const v = this.optionalString(key);
    if (v === undefined) return undefined;
    const ms = parseTimestamp(v);
    if (Number.isNaN(ms)) this.fail(`'${v}' is not an ISO-8601 timestamp`, key);
    return ms;
  }

  array(key: string): JsonReader[] {
    const list = this.optionalArray(key);
    if (!list) this.fail('required array is missing', key);
    return list;
  }

  optionalArray(key: string): JsonReader[] | undefined {
    const child = this.child(key);
    if (child.value === undefined || child.value === null) return undefined;
    return child.items();
  }

  /** This value's elements, when it is an array. */
  items(): JsonReader[] {
    if (!Array.isArray(this.value)) this.fail(`expected an array, found ${kindOf(this.value)}`);
    return (this.value as unknown[]).map((item, i) => new JsonReader(item, this, i));
  }
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  return `a ${typeof value}`;
}
