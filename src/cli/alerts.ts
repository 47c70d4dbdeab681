// `imagescope alerts test`: sends a signed sample event to one destination of the alerts file and
// prints what it answered, so a receiver's URL, secret and signature check can be tried before any
// exposure opens.
import { randomUUID } from 'node:crypto';
import { Command, Option } from 'commander';
import { dbOption, withExamples } from './options.ts';

export function alertsCommand(): Command {
  const alerts = new Command('alerts').description('exposure alerts: try a destination of the alerts file, or turn alerts off');
  const test = alerts
    .command('test')
    .description('send a signed sample event to one destination and print its answer; exits 1 unless it answers 2xx')
    .addOption(new Option('--alerts <file>', 'the alerts file (YAML or JSON)').env('IMAGESCOPE_ALERTS').makeOptionMandatory())
    .requiredOption('--destination <name>', 'the destination to send to')
    .option('--console-url <url>', 'the console URL the sample links to', 'http://127.0.0.1:4599')
    .action(async (flags: { alerts: string; destination: string; consoleUrl: string }) => {
      const [{ readAlertsFile, AlertsFileError }, { deliver }, { cloudEvent }] = await Promise.all([import('../alerts/alerts-file.ts'), import('../alerts/deliver.ts'), import('../alerts/alert-messages.ts')]);
      let destination;
      try {
        destination = readAlertsFile(flags.alerts).destinations.find((d) => d.name === flags.destination);
      } catch (error) {
        if (!(error instanceof AlertsFileError)) throw error;
        process.stderr.write(`imagescope alerts test: ${error.message}\n`);
        return void (process.exitCode = 2);
      }
      if (!destination) {
        process.stderr.write(`imagescope alerts test: ${flags.alerts} has no destination named '${flags.destination}'\n`);
        return void (process.exitCode = 2);
      }
      const now = Date.now();
      const vulnerabilityId = 'CVE-2024-3094';
      const repository = 'arn:aws:ecr:us-east-1:111122223333:repository/imagescope-test';
      const digest = `sha256:${'0'.repeat(64)}`;
      const event = cloudEvent({
        id: `evt_test_${randomUUID().replace(/-/g, '')}`,
        type: 'io.imagescope.exposure.opened',
        time: now,
        subject: vulnerabilityId,
        data: {
          exposureId: '0'.repeat(32), accountId: '111122223333', severity: 'CRITICAL', exploited: false, vulnerabilityId, aliases: [],
          cluster: 'arn:aws:eks:us-east-1:111122223333:cluster/imagescope-test', clusterName: 'imagescope-test',
          images: [{ repository, digest, tags: ['test'], resourceId: `${repository}/${digest}` }],
          workloads: [{ namespace: 'imagescope-test', kind: 'Deployment', name: 'a-sample-only', runningUnits: 1 }],
          fixAvailable: true,
          consoleUrl: `${flags.consoleUrl.replace(/\/$/, '')}/vulnerabilities/${vulnerabilityId}`,
          openedAt: new Date(now).toISOString(),
        },
      });
      const answer = await deliver(destination, [event], event.id, now);
      const ok = answer.status !== undefined && answer.status >= 200 && answer.status < 300;
      process.stdout.write(`${destination.name} (${destination.type}) answered ${answer.status ?? 'nothing'}${answer.body ? `: ${answer.body}` : ''}\n`);
      if (!ok) process.exitCode = 1;
    });
  withExamples(test, 'imagescope alerts test --alerts ./alerts.yaml --destination security-team');
  const off = alerts
    .command('off')
    .description('forget the destinations servers registered: writers stop keeping alert state, and what was still to be sent is marked dead')
    .addOption(dbOption())
    .action(async (flags: { db: string }) => {
      const { openStore } = await import('../store/open-store.ts');
      const store = await openStore(flags.db);
      try {
        const { removed } = await store.alerts.registerDestinations([], Date.now());
        process.stdout.write(removed.length ? `alerts off: forgot ${removed.join(', ')}\n` : 'alerts were off: no destination was registered\n');
      } finally {
        await store.close();
      }
    });
  withExamples(off, 'imagescope alerts off --db ./imagescope.sqlite');
  return withExamples(alerts, 'imagescope alerts test --alerts ./alerts.yaml --destination slack-prod');
}
