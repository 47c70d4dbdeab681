// Loaded with NODE_OPTIONS=--import into a CLI child process: writes every module the process loads
// (ES modules as they resolve, CommonJS ones at exit) to the file named by IMAGESCOPE_RECORD_MODULES,
// so a test can tell whether a TypeScript loader was loaded.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.IMAGESCOPE_RECORD_MODULES;
register('./record-modules-hooks.mjs', import.meta.url);
process.on('exit', () => appendFileSync(file, Object.keys(createRequire(import.meta.url).cache).map((path) => `${path}\n`).join('')));
