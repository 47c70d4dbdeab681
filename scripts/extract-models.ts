// Extracts from the official botocore models in ../shared/aws-models the facts imagescope needs for
// the operations it serves (HTTP bindings, shapes, constraints, errors), dropping documentation prose.
// Run: npx tsx scripts/extract-models.ts  (writes src/model/<service>.model.json)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const wanted: Record<string, { dir: string; operations: string[] }> = {
  inspector2: {
    dir: 'inspector2/2020-06-08',
    operations: ['GetClustersForImage', 'ListFindings', 'BatchGetFindingDetails', 'BatchGetAccountStatus', 'ListMembers', 'GetConfiguration', 'ListFindingAggregations', 'ListCoverage', 'ListCoverageStatistics'],
  },
  imagebuilder: { dir: 'imagebuilder/2019-12-02', operations: ['ListImageScanFindingAggregations', 'ListImageScanFindings'] },
};
const keptShapeKeys = ['type', 'required', 'members', 'member', 'min', 'max', 'pattern', 'enum', 'union', 'error', 'exception', 'fault', 'box'];
const keptMemberKeys = ['shape', 'location', 'locationName'];

type Json = Record<string, any>;
function pick(source: Json, keys: string[]): Json {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
}

for (const [service, { dir, operations }] of Object.entries(wanted)) {
  const model = JSON.parse(readFileSync(`${root}../shared/aws-models/${dir}/service-2.json`, 'utf8'));
  const shapes: Json = {};
  const visit = (name: string): void => {
    if (shapes[name]) return;
    const shape = model.shapes[name];
    const kept = pick(shape, keptShapeKeys);
    if (shape.members) {
      kept.members = Object.fromEntries(
        Object.entries(shape.members as Json).map(([m, def]) => [m, pick(def, keptMemberKeys)]),
      );
    }
    if (shape.member) kept.member = pick(shape.member, keptMemberKeys);
    shapes[name] = kept;
    for (const def of Object.values((shape.members ?? {}) as Json)) visit(def.shape);
    if (shape.member) visit(shape.member.shape);
  };
  const ops: Json = {};
  for (const op of operations) {
    const def = model.operations[op];
    ops[op] = { http: def.http, input: def.input.shape, output: def.output.shape, errors: def.errors.map((e: Json) => e.shape) };
    visit(def.input.shape);
    visit(def.output.shape);
    def.errors.forEach((e: Json) => visit(e.shape));
  }
  const metadata = pick(model.metadata, ['apiVersion', 'endpointPrefix', 'protocol', 'serviceId', 'signingName']);
  const out = { metadata, operations: ops, shapes };
  writeFileSync(`${root}src/model/${service}.model.json`, JSON.stringify(out, null, 1) + '\n');
  console.log(`${service}: ${operations.length} operation(s), ${Object.keys(shapes).length} shapes`);
}
