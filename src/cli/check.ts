// `imagescope check`: verifies that the severity-count rollups match the stored findings (after a
// crash, a restore, or a manual edit of the database). Exit code 1 when they do not.
import { Command } from 'commander';
import { dbOption, withExamples } from './options.ts';

export function checkCommand(): Command {
  const command = new Command('check')
    .description('verify that the rollups match the stored findings (exit code 1 when they do not)')
    .addOption(dbOption())
    .action(runCheck);
  return withExamples(command, 'imagescope check --db ./imagescope.sqlite');
}

async function runCheck(flags: { db: string }): Promise<void> {
  const { openStore } = await import('../store/open-store.ts');
  const store = await openStore(flags.db);
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
}
