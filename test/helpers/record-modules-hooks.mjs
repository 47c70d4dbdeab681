// The module hook behind record-modules.mjs (it runs on the loader thread).
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.IMAGESCOPE_RECORD_MODULES, `${resolved.url}\n`);
  return resolved;
}
