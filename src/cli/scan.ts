// `imagescope scan` (once) and `imagescope watch scan` (every interval): a scanner run on the images
// that run without a scan; their flags. watch-feeds.ts runs them.
import { Command, Option } from 'commander';
import { accountIdOption, dbOption, withExamples } from './options.ts';

/** The flags both share: which images, which scanner, how many at once, for how long. */
export function scanOptions(command: Command): Command {
  return command
    .option('--missing', 'scan the running images that have no scan (the default)')
    .option('--stale', 'scan the running images whose newest scan is older than IMAGESCOPE_SCAN_FRESHNESS (7d) too')
    .addOption(new Option('--scanner <name>', 'the scanner to run: trivy image --format json --quiet REF, or grype REF -o json').choices(['trivy', 'grype']).default('trivy'))
    .option('--scanner-command <command>', "the command to run instead, {image} standing for the reference (no shell: quotes group words, nothing else is shell), e.g. 'docker run --rm aquasec/trivy:0.58.1 image --format json --quiet {image}'")
    .option('--parallel <n>', 'scans at once', '2')
    .option('--timeout <duration>', 'cut a scan off after this long', '10m')
    .addOption(dbOption())
    .option('--endpoint <url>', 'read what runs from a running server and send the reports to it (IMAGESCOPE_INGEST_TOKEN: a key of role admin under --auth sigv4)')
    .addOption(accountIdOption());
}

export function scanCommand(): Command {
  const scan = scanOptions(new Command('scan').description('scan, once, the images that run now and that no feed covers; exits 1 if a scan failed'))
    .action(async (flags) => (await import('./watch-feeds.ts')).scanOnce(flags));
  return withExamples(scan, 'imagescope scan --db ./imagescope.sqlite', 'imagescope scan --stale --scanner grype --parallel 4 --endpoint http://imagescope:4599');
}
