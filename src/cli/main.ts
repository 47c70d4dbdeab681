// The `imagescope` command. Each command module declares its flags and loads what it runs only when it
// runs, so `--version` and `--help` start in a fraction of the time a server does.
import { Command } from 'commander';
import { alertsCommand } from './alerts.ts';
import { checkCommand } from './check.ts';
import { ingestCommand } from './ingest.ts';
import { keysCommand } from './keys.ts';
import { scanCommand } from './scan.ts';
import { serveCommand } from './serve.ts';
import { watchCommand } from './watch.ts';
import { reportUsageErrors } from './usage-errors.ts';
import { packageVersion } from '../package-version.ts';


const program = new Command('imagescope')
  .description('Where each container image runs, and how vulnerable the images you build are, over the AWS wire protocol')
  .version(packageVersion(), '-V, --version', 'print the version')
  .addCommand(serveCommand())
  .addCommand(ingestCommand())
  .addCommand(keysCommand())
  .addCommand(watchCommand())
  .addCommand(scanCommand())
  .addCommand(checkCommand())
  .addCommand(alertsCommand())
  .addHelpText('after', '\nRun `imagescope help <command>` for its flags, defaults and an example.');
reportUsageErrors(program);
// `imagescope help keys create` is `imagescope keys create --help` (commander's help command reaches
// only one level down).
const [node, script, first, ...rest] = process.argv;
await program.parseAsync(first === 'help' && rest.length ? [node, script, ...rest, '--help'] : process.argv);
