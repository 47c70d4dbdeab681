// The migrations, in order. Adding one is a new file plus one line here.
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-runtime.ts';
import * as m0002 from './0002-findings.ts';
import * as m0003 from './0003-access-keys.ts';
import * as m0004 from './0004-image-usage.ts';
import * as m0005 from './0005-pinned-rollup-versions.ts';
import * as m0006 from './0006-console.ts';
import * as m0007 from './0007-console-sessions.ts';
import * as m0008 from './0008-console-rollups.ts';
import * as m0009 from './0009-findings.ts';
import * as m0010 from './0010-scan-failures.ts';
import * as m0011 from './0011-alerts.ts';

const migrations: Record<string, Migration> = {
  '0001-runtime': m0001,
  '0002-findings': m0002,
  '0003-access-keys': m0003,
  '0004-image-usage': m0004,
  '0005-pinned-rollup-versions': m0005,
  '0006-console': m0006,
  '0007-console-sessions': m0007,
  '0008-console-rollups': m0008,
  '0009-findings': m0009,
  '0010-scan-failures': m0010,
  '0011-alerts': m0011,
};

/** Every migration this version applies, in order: a database missing one is not ready to serve. */
export const migrationNames = Object.keys(migrations);

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
