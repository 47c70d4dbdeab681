// The command a scan runs, as an argument vector: never through a shell, so an image reference (which
// the runtime data recorded, and a cluster user controls) can never become shell syntax. `{image}` is
// replaced inside whichever arguments hold it, each staying one argument.
import { parse } from 'shell-quote';
import { UsageError } from '../usage-error.ts';

export type ScannerName = 'trivy' | 'grype';

/** The commands imagescope knows: Trivy's and Grype's JSON reports of one image. */
const known: Record<ScannerName, string[]> = {
  trivy: ['trivy', 'image', '--format', 'json', '--quiet', '{image}'],
  grype: ['grype', '{image}', '-o', 'json'],
};

export interface ScannerCommand {
  /** The source a failure is recorded under (the scanner's name, or the program's). */
  name: string;
  /** The format its report is read as: the known scanner's, else recognised by content. */
  format: ScannerName | 'auto';
  argv(image: string): string[];
}

export function scannerCommand(scanner: string, custom: string | undefined): ScannerCommand {
  if (custom !== undefined) {
    // Variables stay as written: `$HOME` is not ours to expand, and there is no shell to do it.
    const words = parse(custom, (key) => `$${key}`);
    const operator = words.find((w) => typeof w !== 'string');
    if (operator) throw new UsageError(`--scanner-command runs without a shell: '${JSON.stringify(operator)}' has no meaning there; write a script and name it instead`);
    const argv = words as string[];
    if (argv.length === 0) throw new UsageError('--scanner-command is empty');
    if (!argv.some((w) => w.includes('{image}'))) throw new UsageError("--scanner-command must name the image as {image}, e.g. 'trivy image --format json --quiet {image}'");
    return { name: argv[0]!.split('/').pop()!, format: 'auto', argv: (image) => argv.map((w) => w.replaceAll('{image}', image)) };
  }
  if (scanner !== 'trivy' && scanner !== 'grype') throw new UsageError(`--scanner '${scanner}' must be trivy or grype (or give --scanner-command)`);
  return { name: scanner, format: scanner, argv: (image) => known[scanner].map((w) => (w === '{image}' ? image : w)) };
}
