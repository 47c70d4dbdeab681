// `imagescope check`: verifies that the severity-count rollups match the stored findings (after a
// crash, a restore, or a manual edit of the database). Exit code 1 when they do not.
import { Command } from 'commander';
import { defaultDatabaseFile, openStore } from '../store/open-store.ts';

export function checkCommand(): Command {
  return new Command('check')
    .description('verify that the rollups match the stored findings')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (IMAGESCOPE_DB, default ./imagescope.sqlite)')
    .action(async (flags: { db?: string }) => {
      const store = await openStore(flags.db ?? process.env.IMAGESCOPE_DB ?? defaultDatabaseFile);
      let mismatches = 0;
      try {
        for (const account of await store.accountsWithFindings()) {
          const found = await store.checkRollups(account);
          mismatches += found.length;
          for (const m of found) process.stdout.write(`${account} ${m.aggregation} ${m.key}: stored ${m.stored}, findings imply ${m.expected}\n`);
        }
      } finally {
        await store.close();
      }
      process.stdout.write(mismatches === 0 ? 'consistent: every rollup matches the stored findings\n' : `${mismatches} rollup(s) do not match\n`);
      process.exitCode = mismatches === 0 ? 0 : 1;
    });
}
