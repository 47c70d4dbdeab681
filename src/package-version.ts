// The version in package.json, found upwards from this file (src/ in a clone, dist/ when built).
import { existsSync, readFileSync } from 'node:fs';

let version: string | undefined;

export function packageVersion(): string {
  if (version) return version;
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir);
    if (existsSync(file)) return (version = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version);
  }
  return (version = 'unknown');
}
