import { Command } from 'commander';
import { checkCommand } from './check.ts';
import { ingestCommand } from './ingest.ts';
import { keysCommand } from './keys.ts';
import { serveCommand } from './serve.ts';

const program = new Command('imagescope')
  .description('Where each container image runs, and how vulnerable the images you build are, over the AWS wire protocol')
  .showHelpAfterError();
program.addCommand(serveCommand());
program.addCommand(ingestCommand());
program.addCommand(keysCommand());
program.addCommand(checkCommand());
await program.parseAsync(process.argv);
