// Usage errors (an unknown command or flag, a missing argument) as one line on stderr that names the
// closest valid choice, with exit code 2; help and --version exit 0. Commander reports these through
// its exit callback; this turns its multi-line messages into ours, for the command and every subcommand.
import { CommanderError, type Command } from 'commander';
import { closest } from 'fastest-levenshtein';

const usageExitCode = 2;

export function reportUsageErrors(command: Command): void {
  command.configureOutput({ outputError: () => undefined });
  command.exitOverride((error) => {
    const exitCode = error.exitCode === 0 ? 0 : usageExitCode;
    if (exitCode !== 0 && error.code !== 'commander.help') process.stderr.write(`${commandPath(command)}: ${usageMessage(command, error)}\n`);
    process.exit(exitCode);
  });
  for (const sub of command.commands) reportUsageErrors(sub);
}

function usageMessage(command: Command, error: CommanderError): string {
  const message = error.message.replace(/^error: /, '').replace(/\n\(Did you mean .*\)$/s, '');
  const unknown = /^unknown (option|command) '([^']*)'/.exec(message);
  if (!unknown) return `${message} (see \`${commandPath(command)} --help\`)`;
  const choices =
    unknown[1] === 'option'
      ? [...command.options.flatMap((o) => [o.long, o.short]), '--help', ...(command.parent ? [] : ['--version'])].filter((f): f is string => !!f)
      : [...command.commands.map((c) => c.name()), 'help'];
  return `${message}; did you mean ${closest(unknown[2], choices)}?`;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
