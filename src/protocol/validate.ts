// Model-driven input validation. Walks a parsed JSON body against an input shape of the official
// service model and returns violations as data; rendering them into AWS's wording is separate
// (renderViolations), so each service can wrap them in its own modelled error.
import type { ServiceModel, Shape } from '../model/service-model.ts';

export interface Violation {
  /** Coral-style member path, e.g. `filter.resourceId` or `filter.values.1.member`. */
  path: string;
  /** The offending value as it arrived (undefined for a missing member). */
  value: unknown;
  /** `constraint`: a modelled constraint failed; `type`: the JSON type cannot be read as the shape. */
  kind: 'constraint' | 'type';
  /** The AWS constraint phrase, e.g. `Member must not be null`. */
  constraint: string;
}

const anchoredPatterns = new Map<string, RegExp>();
function fullMatch(pattern: string): RegExp {
  // AWS services enforce model patterns as whole-value matches (Java's String.matches), so a pattern
  // without ^...$ is anchored here too.
  let re = anchoredPatterns.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, 'u');
    anchoredPatterns.set(pattern, re);
  }
  return re;
}

export function validateInput(model: ServiceModel, shapeName: string, value: unknown): Violation[] {
  const violations: Violation[] = [];
  walk(model, model.shapes[shapeName], value, '', violations);
  return violations;
}

function walk(model: ServiceModel, shape: Shape, value: unknown, path: string, out: Violation[]): void {
  if (value === undefined || value === null) return; // presence is checked by the parent's `required`
  const typeError = (expected: string): void => void out.push({ path, value, kind: 'type', constraint: `Member must be ${expected}` });
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return typeError('an object');
      const record = value as Record<string, unknown>;
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const memberPath = path ? `${path}.${name}` : name;
        const memberValue = record[name];
        if ((memberValue === undefined || memberValue === null) && shape.required?.includes(name)) {
          out.push({ path: memberPath, value: memberValue, kind: 'constraint', constraint: 'Member must not be null' });
          continue;
        }
        walk(model, model.shapes[ref.shape], memberValue, memberPath, out);
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return typeError('a list');
      checkLength(shape, value.length, value, path, out);
      value.forEach((item, i) => {
        const itemPath = `${path}.${i + 1}.member`;
        if (item === null || item === undefined) {
          out.push({ path: itemPath, value: item, kind: 'constraint', constraint: 'Member must not be null' });
        } else walk(model, model.shapes[shape.member!.shape], item, itemPath, out);
      });
      return;
    }
    case 'string': {
      if (typeof value !== 'string') return typeError('a string');
      checkLength(shape, [...value].length, value, path, out);
      if (shape.enum && !shape.enum.includes(value)) {
        out.push({ path, value, kind: 'constraint', constraint: `Member must satisfy enum value set: [${shape.enum.join(', ')}]` });
      }
      if (shape.pattern && !fullMatch(shape.pattern).test(value)) {
        out.push({ path, value, kind: 'constraint', constraint: `Member must satisfy regular expression pattern: ${shape.pattern}` });
      }
      return;
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return typeError('an integer');
      if (shape.min !== undefined && value < shape.min) {
        out.push({ path, value, kind: 'constraint', constraint: `Member must have value greater than or equal to ${shape.min}` });
      }
      if (shape.max !== undefined && value > shape.max) {
        out.push({ path, value, kind: 'constraint', constraint: `Member must have value less than or equal to ${shape.max}` });
      }
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') typeError('a boolean');
      return;
    default:
      return;
  }
}

function checkLength(shape: Shape, length: number, value: unknown, path: string, out: Violation[]): void {
  if (shape.min !== undefined && length < shape.min) {
    out.push({ path, value, kind: 'constraint', constraint: `Member must have length greater than or equal to ${shape.min}` });
  }
  if (shape.max !== undefined && length > shape.max) {
    out.push({ path, value, kind: 'constraint', constraint: `Member must have length less than or equal to ${shape.max}` });
  }
}

function renderValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `'[${value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')}]'`;
  if (typeof value === 'object') return `'${JSON.stringify(value)}'`;
  return `'${String(value)}'`;
}

/** One violation in AWS's words: `Value '0' at 'maxResults' failed to satisfy constraint: ...`. */
export function renderViolation(v: Violation): string {
  return `Value ${renderValue(v.value)} at '${v.path}' failed to satisfy constraint: ${v.constraint}`;
}

/** AWS's summary sentence: `1 validation error detected: ...; ...`. */
export function renderViolations(violations: Violation[]): string {
  const n = violations.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${violations.map(renderViolation).join('; ')}`;
}
