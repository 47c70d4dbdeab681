#!/usr/bin/env node
// Runs the compiled CLI in dist/. In a clone (src/ beside dist/) a build older than the sources is
// refused rather than silently run; `npm ci`, `npm start` and `npm test` build first. An installed
// package has no src/, so the check costs it nothing.
import { fileURLToPath } from 'node:url';
import { staleBuild } from './build-freshness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const stale = staleBuild(root);
if (stale) {
  process.stderr.write(`imagescope: ${stale}; run \`npm run build\` in ${root}\n`);
  process.exit(1);
}
await import('../dist/main.js');
