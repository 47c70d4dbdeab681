// Every constraint an input shape of the official model declares, as `<path> <constraint>` keys
// (`filter.values.member pattern` for a list's members), so a test can prove it has a case for each.
import type { ServiceModel } from '../../src/model/service-model.ts';

export function modelConstraints(model: ServiceModel, shapeName: string, prefix = ''): string[] {
  const shape = model.shapes[shapeName];
  const keys: string[] = [];
  const constraintsOf = (path: string, memberShape: string) => {
    const member = model.shapes[memberShape];
    for (const c of ['min', 'max', 'pattern', 'enum'] as const) if (member[c] !== undefined) keys.push(`${path} ${c}`);
    if (member.type === 'structure') keys.push(...modelConstraints(model, memberShape, path));
    if (member.type === 'list') constraintsOf(`${path}.member`, member.member!.shape);
  };
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (shape.required?.includes(name)) keys.push(`${path} required`);
    constraintsOf(path, ref.shape);
  }
  return keys;
}
