// `npm run build`: compiles src/ into dist/ as one esbuild bundle (split where the CLI loads a command's
// code on demand), with the pure-JavaScript dependencies inside it: one file to load instead of
// hundreds of modules halves start-up time and takes ~15 MiB off every process (BENCHMARKS.md).
// better-sqlite3, a native addon, is loaded from node_modules. Then it copies the model files the code
// reads at run time and writes dist/build-stamp, which bin/imagescope.js compares with the sources.
// A build that is already current is skipped (`--force` builds anyway). Type checking is
// `npm run typecheck`'s job.
import { copyFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { staleBuild } from '../bin/build-freshness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
if (staleBuild(root) || process.argv.includes('--force')) {
  rmSync(`${root}dist`, { recursive: true, force: true });
  try {
    await build({
      // The CLI, and the worker `imagescope ingest --db` parses its files on (loaded by its URL).
      entryPoints: { main: `${root}src/cli/main.ts`, 'parse-worker': `${root}src/cli/parse-worker.ts` },
      outdir: `${root}dist`,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20.19',
      // Prefer each package's ES module build: some CommonJS builds (jsonc-parser's UMD) require
      // relative paths at run time, which a bundle cannot serve.
      mainFields: ['module', 'main'],
      external: ['better-sqlite3', 'pg-native'],
      // node-fetch's URL code requires Node's own punycode, deprecated with a warning on every run of
      // Node 22 and later; the same code from the registry's package says nothing.
      alias: { punycode: 'punycode/' },
      // Bundled CommonJS code calls require() for Node's own modules; an ES module has none.
      banner: { js: "import { createRequire as imagescopeCreateRequire } from 'node:module'; const require = imagescopeCreateRequire(import.meta.url);" },
      legalComments: 'eof',
      logLevel: 'warning',
    });
  } catch {
    process.stderr.write('build: esbuild reported the errors above; dist/ is not marked current\n');
    process.exit(1);
  }
  for (const file of readdirSync(`${root}src/model`).filter((name) => name.endsWith('.model.json'))) {
    copyFileSync(`${root}src/model/${file}`, `${root}dist/${file}`);
  }
  writeFileSync(`${root}dist/build-stamp`, `${new Date().toISOString()}\n`);
}
