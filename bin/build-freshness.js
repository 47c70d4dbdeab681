// Whether dist/ is older than the sources beside it: shared by bin/imagescope.js (which refuses to run
// a stale build) and scripts/build.mjs (which skips a build that is already current).
import { existsSync, readdirSync, statSync } from 'node:fs';

/** Why the build in `root` is stale (a one-line reason), or undefined when it is current or there are no sources. */
export function staleBuild(root) {
  if (!existsSync(`${root}src`)) return undefined;
  const stamp = `${root}dist/build-stamp`;
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  if (built === 0) return 'dist/ has not been built';
  for (const entry of readdirSync(`${root}src`, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = `${entry.parentPath}/${entry.name}`;
    if (statSync(file).mtimeMs > built) return `${file.slice(root.length)} changed after the last build`;
  }
  return undefined;
}
