// `imagescope keys create|list|revoke`: manage SigV4 access keys in the store. Secrets are printed once,
// at creation, and never logged.
import { Command, Option } from 'commander';
import { ingestTokenOf, newAccessKey, roles } from '../protocol/access-keys.ts';
import type { AccessRole, Store } from '../store/store.ts';
import { dbOption, withExamples } from './options.ts';

async function withStore<T>(db: string, work: (store: Store) => Promise<T>): Promise<T> {
  const { openStore } = await import('../store/open-store.ts');
  const store = await openStore(db);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export function keysCommand(): Command {
  const keys = new Command('keys').description('manage access keys for --auth sigv4');
  const create = keys
    .command('create')
    .description('create a key and print its id and secret (shown only this once)')
    .requiredOption('--account-id <id>', 'the account whose data the key reaches')
    .addOption(new Option('--role <role>', 'read (query), ingest (send data) or admin (both)').choices(roles).default('read'))
    .addOption(dbOption())
    .action(async (flags: { accountId: string; role: AccessRole; db: string }) => {
      if (!/^\d{12}$/.test(flags.accountId)) return fail(`account id '${flags.accountId}' must be 12 digits`);
      const key = newAccessKey(flags.accountId, flags.role, Date.now());
      await withStore(flags.db, (store) => store.createAccessKey(key));
      const lines = [
        `AWS_ACCESS_KEY_ID=${key.access_key_id}`,
        `AWS_SECRET_ACCESS_KEY=${key.secret_access_key}`,
        `# account ${key.account_id}, role ${key.role}; the secret is not shown again`,
      ];
      if (key.role !== 'read') lines.push(`# ingest token (header x-imagescope-ingest-token): ${ingestTokenOf(key)}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  withExamples(create, 'imagescope keys create --account-id 111122223333 --role admin --db ./imagescope.sqlite');
  const list = keys
    .command('list')
    .description('list keys (never their secrets)')
    .option('--account-id <id>', 'only this account (default: every account)')
    .addOption(dbOption())
    .action(async (flags: { accountId?: string; db: string }) => {
      const rows = await withStore(flags.db, (store) => store.listAccessKeys(flags.accountId));
      for (const k of rows) {
        const state = k.revoked_at ? `revoked ${new Date(k.revoked_at).toISOString()}` : 'active';
        process.stdout.write(`${k.access_key_id}\t${k.account_id}\t${k.role}\t${new Date(k.created_at).toISOString()}\t${state}\n`);
      }
    });
  withExamples(list, 'imagescope keys list --account-id 111122223333');
  const revoke = keys
    .command('revoke')
    .description('revoke a key: requests signed with it are refused from now on')
    .argument('<access-key-id>', 'the key to revoke, as `keys list` shows it')
    .addOption(dbOption())
    .action(async (accessKeyId: string, flags: { db: string }) => {
      const revoked = await withStore(flags.db, (store) => store.revokeAccessKey(accessKeyId, Date.now()));
      if (!revoked) return fail(`no active key ${accessKeyId}`);
      process.stdout.write(`revoked ${accessKeyId}\n`);
    });
  withExamples(revoke, 'imagescope keys revoke AKIAIMAGESCOPE0EXAMPLE');
  return withExamples(keys, 'imagescope keys create --account-id 111122223333 --role read');
}

function fail(message: string): void {
  process.stderr.write(`imagescope keys: ${message}\n`);
  process.exitCode = 2;
}
