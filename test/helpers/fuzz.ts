// Request bodies generated from an input shape of the official model: valid values, boundary values
// around every constraint, wrong JSON types, and mutations of valid requests. Seeded, so a failure
// can be replayed.
import type { ServiceModel, Shape } from '../../src/model/service-model.ts';

export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const samples: Record<string, string[]> = {
  ClusterForImageFilterCriteriaResourceIdString: [
    `arn:aws:ecr:us-west-2:111122223333:repository/app/sha256:${'a'.repeat(64)}`,
    'arn:aws:ecr:us-west-2:111122223333:repository/app',
    'arn:aws:ecr:eu-west-1:123456789012:repository/ghcr.io/org/app',
  ],
  FilterName: ['accountId', 'imagePipelineArn', 'imageBuildVersionArn', 'vulnerabilityId', 'severity', 'x'],
  FilterValue: ['111122223333', 'CVE-2021-44228', 'arn:aws:imagebuilder:us-west-2:111122223333:image-pipeline/web', 'arn:aws:imagebuilder:us-west-2:111122223333:image/web/1.0.0/1'],
  FindingArn: [`arn:aws:inspector2:us-west-2:111122223333:finding/${'0a'.repeat(16)}`, `arn:aws-cn:inspector2:cn-north-1:444455556666:finding/${'f'.repeat(32)}`, 'arn:aws:inspector2:us-west-2:111122223333:finding/XYZ'],
};

const nasty: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, -0, '', ' ', '\u0000', '\ud800', '💥'.repeat(50), 'x'.repeat(5000), [], {}, [[[[[]]]]], { __proto__: { polluted: true } }, { constructor: { prototype: {} } }, '1', 'NaN', '${jndi:ldap://x}', "' OR 1=1 --", '../../etc/passwd'];

export class BodyFuzzer {
  constructor(
    private readonly model: ServiceModel,
    private readonly random: () => number,
  ) {}

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  /** A value for the shape: usually valid, sometimes on or across a boundary, sometimes the wrong type. */
  value(shapeName: string, depth = 0): unknown {
    const shape = this.model.shapes[shapeName];
    const roll = this.random();
    if (roll < 0.08) return this.pick(nasty);
    switch (shape.type) {
      case 'structure':
        return this.structure(shapeName, shape, depth);
      case 'list': {
        const n = this.pick([0, 1, 2, shape.max ?? 3, (shape.max ?? 3) + 1, shape.min ?? 0]);
        return Array.from({ length: n }, () => this.value(shape.member!.shape, depth + 1));
      }
      case 'string':
        return this.string(shapeName, shape);
      case 'integer':
      case 'long':
        return this.pick([shape.min ?? 0, (shape.min ?? 0) - 1, shape.max ?? 100, (shape.max ?? 100) + 1, 50, 2 ** 53, -(2 ** 31), 0.5]);
      default:
        return this.pick(nasty);
    }
  }

  private structure(shapeName: string, shape: Shape, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const required = shape.required?.includes(name);
      if (required ? this.random() < 0.9 : this.random() < 0.6) out[name] = this.value(ref.shape, depth + 1);
    }
    if (this.random() < 0.1) out[this.pick(['unknownMember', 'Filter', '__type', 'nextToken '])] = this.pick(nasty);
    void shapeName;
    return out;
  }

  private string(shapeName: string, shape: Shape): string {
    const known = samples[shapeName] ?? shape.enum;
    const roll = this.random();
    if (known && roll < 0.6) return this.pick(known);
    if (roll < 0.75 && shape.min !== undefined) return 'a'.repeat(Math.max(0, shape.min - 1));
    if (roll < 0.9 && shape.max !== undefined) return 'a'.repeat(shape.max + this.pick([0, 1]));
    return this.pick(['abc', '', 'v1.AAAA', 'v1.' + 'A'.repeat(60), 'arn:aws:ecr:::repository/', String(this.random())]);
  }

  /** A request body: the JSON of a generated input, or a mutation of it that is not valid JSON. */
  body(inputShape: string): string {
    const json = JSON.stringify(this.value(inputShape)) ?? 'null';
    const roll = this.random();
    if (roll < 0.05) return json.slice(0, Math.floor(this.random() * json.length)); // truncated
    if (roll < 0.08) return `${json}${json}`; // trailing garbage
    if (roll < 0.1) return json.replace(/"/, "'"); // wrong quotes
    if (roll < 0.12) return `{"filter":${'['.repeat(2000)}${']'.repeat(2000)}}`; // deep nesting
    if (roll < 0.14) return json.replace(/^\{/, '{"filter":{},'); // a duplicate key when filter is present
    return json;
  }
}
