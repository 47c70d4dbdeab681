// Checks a raw JSON response body against an output shape of the official model: required members
// present, no members the shape lacks, exactly one member of a union, timestamps as epoch-second
// numbers, integers where the model says integer/long, list maximums. (List minimums are not checked:
// DESIGN.md decides that an image never seen in use answers `{"cluster": []}`.)
import assert from 'node:assert/strict';
import type { ServiceModel } from '../../src/model/service-model.ts';

export function assertMatchesShape(model: ServiceModel, shapeName: string, value: unknown, path = '$'): void {
  const shape = model.shapes[shapeName];
  assert.ok(shape, `unknown shape ${shapeName}`);
  switch (shape.type) {
    case 'structure': {
      assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), `${path} must be an object`);
      const record = value as Record<string, unknown>;
      for (const name of Object.keys(record)) assert.ok(shape.members?.[name], `${path}.${name} is not a member of ${shapeName}`);
      for (const name of shape.required ?? []) assert.ok(record[name] !== undefined && record[name] !== null, `${path}.${name} is required by ${shapeName}`);
      if (shape.union) assert.equal(Object.keys(record).length, 1, `${path} is a union and must set exactly one member`);
      for (const [name, member] of Object.entries(shape.members ?? {})) {
        if (record[name] !== undefined) assertMatchesShape(model, member.shape, record[name], `${path}.${name}`);
      }
      return;
    }
    case 'list':
      assert.ok(Array.isArray(value), `${path} must be a list`);
      if (shape.max !== undefined) assert.ok(value.length <= shape.max, `${path} has more than ${shape.max} entries`);
      value.forEach((item, i) => assertMatchesShape(model, shape.member!.shape, item, `${path}[${i}]`));
      return;
    case 'string':
      assert.equal(typeof value, 'string', `${path} must be a string`);
      if (shape.min !== undefined) assert.ok((value as string).length >= shape.min, `${path} is shorter than ${shape.min}`);
      if (shape.pattern) assert.match(value as string, new RegExp(shape.pattern), `${path} must match ${shape.pattern}`);
      return;
    case 'timestamp':
      assert.equal(typeof value, 'number', `${path} must be epoch seconds as a JSON number`);
      assert.ok((value as number) > 946684800 && (value as number) < 4102444800, `${path} must be epoch seconds, not milliseconds`);
      return;
    case 'integer':
    case 'long':
      assert.ok(Number.isInteger(value), `${path} must be an integer`);
      return;
    default:
      return;
  }
}
