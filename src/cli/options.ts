// Flags several commands share, and the help text every command ends with. Only light modules are
// imported here: a command loads its libraries when it runs, not when the CLI starts.
import { Option, type Command } from 'commander';
import { defaultAccountId } from '../server/config.ts';
import { defaultDatabaseFile } from '../store/locations.ts';

export function dbOption(): Option {
  return new Option('--db <path|url>', 'SQLite file or postgres:// URL of the store').env('IMAGESCOPE_DB').default(`./${defaultDatabaseFile}`);
}

export function accountIdOption(): Option {
  return new Option('--account-id <id>', 'tenant account that owns the data (default: IMAGESCOPE_DEFAULT_ACCOUNT_ID, else 000000000000)');
}

/**
 * The account that owns what a command writes, and whether the user named it: against a server with
 * --auth sigv4 the key decides the account, so one is sent only when asked for.
 */
export function tenantAccount(flags: { accountId?: string }, env: NodeJS.ProcessEnv = process.env): { accountId: string; explicit: boolean } {
  return { accountId: flags.accountId ?? env.IMAGESCOPE_DEFAULT_ACCOUNT_ID ?? defaultAccountId, explicit: flags.accountId !== undefined || env.IMAGESCOPE_DEFAULT_ACCOUNT_ID !== undefined };
}

/** Appends the example(s) shown at the end of `--help`. */
export function withExamples(command: Command, ...examples: string[]): Command {
  return command.addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}`).join('\n')}`);
}
