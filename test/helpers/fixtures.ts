import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const sharedFixtures = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const ownFixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Path of a real-world fixture in ../shared/fixtures; fails loudly when that folder is absent. */
export function sharedFixture(path: string): string {
  const full = sharedFixtures + path;
  if (!existsSync(full)) throw new Error(`shared fixture ${full} is missing: clone the project with ../shared beside it`);
  return full;
}

/** Path of one of the project's own hand-written fixtures in test/fixtures. */
export function ownFixture(path: string): string {
  return ownFixtures + path;
}

export function readFixture(path: string): string {
  return readFileSync(path, 'utf8');
}
