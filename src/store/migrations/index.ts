// The migrations, in order. Adding one is a new file plus one line here.
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-runtime.ts';

const migrations: Record<string, Migration> = {
  '0001-runtime': m0001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
