// Flags several commands share, and the help text every command ends with. Only light modules are
// imported here: a command loads its libraries when it runs, not when the CLI starts.
import { Option, type Command } from 'commander';
import { defaultDatabaseFile } from '../store/locations.ts';

export function dbOption(): Option {
  return new Option('--db <path|url>', 'SQLite file or postgres:// URL of the store').env('IMAGESCOPE_DB').default(`./${defaultDatabaseFile}`);
}

/** Appends the example(s) shown at the end of `--help`. */
export function withExamples(command: Command, ...examples: string[]): Command {
  return command.addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}`).join('\n')}`);
}
