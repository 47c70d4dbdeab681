// `imagescope keys create|list|revoke`: manage SigV4 access keys in the store. Secrets are printed once,
// at creation, and never logged.
import { Command } from 'commander';
import { ingestTokenOf, newAccessKey, roles } from '../protocol/access-keys.ts';
import { defaultDatabaseFile, openStore } from '../store/open-store.ts';
import type { AccessRole, Store } from '../store/store.ts';

async function withStore<T>(db: string | undefined, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(db ?? process.env.IMAGESCOPE_DB ?? defaultDatabaseFile);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

const dbOption = ['--db <path|url>', 'SQLite file or postgres:// URL (IMAGESCOPE_DB, default ./imagescope.sqlite)'] as const;

export function keysCommand(): Command {
  const keys = new Command('keys').description('manage access keys for --auth sigv4');
  keys
    .command('create')
    .description('create a key and print its id and secret (shown only this once)')
    .requiredOption('--account-id <id>', 'the account whose data the key reaches')
    .option('--role <role>', 'read (query), ingest (send data) or admin (both)', 'read')
    .option(...dbOption)
    .action(async (flags: { accountId: string; role: string; db?: string }) => {
      if (!/^\d{12}$/.test(flags.accountId)) return fail(`account id '${flags.accountId}' must be 12 digits`);
      if (!roles.includes(flags.role as AccessRole)) return fail(`role '${flags.role}' must be one of ${roles.join(', ')}`);
      const key = newAccessKey(flags.accountId, flags.role as AccessRole, Date.now());
      await withStore(flags.db, (store) => store.createAccessKey(key));
      const lines = [
        `AWS_ACCESS_KEY_ID=${key.access_key_id}`,
        `AWS_SECRET_ACCESS_KEY=${key.secret_access_key}`,
        `# account ${key.account_id}, role ${key.role}; the secret is not shown again`,
      ];
      if (key.role !== 'read') lines.push(`# ingest token (header x-imagescope-ingest-token): ${ingestTokenOf(key)}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  keys
    .command('list')
    .description('list keys (never their secrets)')
    .option('--account-id <id>', 'only this account')
    .option(...dbOption)
    .action(async (flags: { accountId?: string; db?: string }) => {
      const rows = await withStore(flags.db, (store) => store.listAccessKeys(flags.accountId));
      for (const k of rows) {
        const state = k.revoked_at ? `revoked ${new Date(k.revoked_at).toISOString()}` : 'active';
        process.stdout.write(`${k.access_key_id}\t${k.account_id}\t${k.role}\t${new Date(k.created_at).toISOString()}\t${state}\n`);
      }
    });
  keys
    .command('revoke')
    .description('revoke a key: requests signed with it are refused from now on')
    .argument('<access-key-id>')
    .option(...dbOption)
    .action(async (accessKeyId: string, flags: { db?: string }) => {
      const revoked = await withStore(flags.db, (store) => store.revokeAccessKey(accessKeyId, Date.now()));
      if (!revoked) return fail(`no active key ${accessKeyId}`);
      process.stdout.write(`revoked ${accessKeyId}\n`);
    });
  return keys;
}

function fail(message: string): void {
  process.stderr.write(`imagescope keys: ${message}\n`);
  process.exitCode = 2;
}
