// `imagescope watch kubernetes|ecs|ecr|inspector2`: their flags; watch-feeds.ts runs them.
import { Command, Option } from 'commander';
import { accountIdOption, dbOption, withExamples } from './options.ts';
import { scanOptions } from './scan.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

function sinkAndHealthOptions(command: Command): Command {
  return command
    .addOption(dbOption())
    .option('--endpoint <url>', 'send to a running server instead of writing to --db (signed with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or IMAGESCOPE_INGEST_TOKEN)')
    .addOption(accountIdOption())
    .option('--health-port <port>', 'serve /live and /ready on this port (default: none)');
}

export function watchCommand(): Command {
  const watch = new Command('watch').description('keep imagescope current by itself: watch Kubernetes clusters (and trivy-operator reports), poll ECS tasks, ECR scans and Inspector findings');
  const kubernetes = sinkAndHealthOptions(
    watch
      .command('kubernetes')
      .description("list and watch pods (and their ReplicaSets and Jobs), and trivy-operator's VulnerabilityReports, of one or more Kubernetes clusters")
      .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, else ~/.kube/config)')
      .option('--context <name>', 'a context to watch, repeatable (default: the current context)', collect, [])
      .option('--all-contexts', 'watch every context of the kubeconfig')
      .option('--in-cluster', "use the pod's service account (needs --cluster-arn ARN)")
      .option('--cluster-arn <arn|context=arn>', "the EKS cluster ARN of a context whose name is not one, repeatable", collect, [])
      .option('--namespace <ns>', 'watch only this namespace, repeatable (default: every namespace)', collect, [])
      .addOption(new Option('--resync <duration>', 'relist this often, refreshing lastInUse of running pods').default('5m'))
      .addOption(new Option('--vulnerability-reports <mode>', "read trivy-operator's VulnerabilityReports as findings: auto (where the cluster serves them), on (their absence is an error), off").choices(['auto', 'on', 'off']).default('auto')),
  ).action(async (flags) => (await import('./watch-feeds.ts')).watchKubernetes(flags));
  withExamples(
    kubernetes,
    'imagescope watch kubernetes --all-contexts --db ./imagescope.sqlite',
    'imagescope watch kubernetes --in-cluster --cluster-arn arn:aws:eks:us-west-2:111122223333:cluster/apps --endpoint http://imagescope:4599 --health-port 8080',
  );
  const ecs = sinkAndHealthOptions(
    watch
      .command('ecs')
      .description('poll the tasks of ECS clusters with the AWS SDK (default credentials, region and endpoint chains)')
      .option('--region <region>', 'a region to poll, repeatable (default: the SDK\'s region)', collect, [])
      .option('--cluster <name|arn>', 'a cluster to poll, repeatable (default: every cluster ListClusters returns)', collect, [])
      .addOption(new Option('--interval <duration>', 'time between polls').default('60s')),
  ).action(async (flags) => (await import('./watch-feeds.ts')).watchEcs(flags));
  withExamples(ecs, 'imagescope watch ecs --region us-west-2 --region eu-west-1 --db ./imagescope.sqlite');
  const ecr = sinkAndHealthOptions(
    watch
      .command('ecr')
      .description('store the ECR scans (basic and enhanced) of the images that run now or ran in the last 24 hours, with the AWS SDK (default credentials, region and endpoint chains)')
      .option('--region <region>', 'a region to poll, repeatable (default: the SDK\'s region)', collect, [])
      .addOption(new Option('--interval <duration>', 'time between polls').default('5m')),
  ).action(async (flags) => (await import('./watch-feeds.ts')).watchEcr(flags));
  const inspector2 = sinkAndHealthOptions(
    watch
      .command('inspector2')
      .description("pull Amazon Inspector's container image findings (enhanced scanning) with the AWS SDK: a window of recent updates every interval, a full sweep daily")
      .option('--region <region>', 'a region to poll, repeatable (default: the SDK\'s region)', collect, [])
      .addOption(new Option('--interval <duration>', 'time between polls').default('5m')),
  ).action(async (flags) => (await import('./watch-feeds.ts')).watchInspector2(flags));
  withExamples(inspector2, 'imagescope watch inspector2 --region us-west-2 --region eu-west-1 --db ./imagescope.sqlite', 'AWS_ENDPOINT_URL_INSPECTOR2=https://other-imagescope.example imagescope watch inspector2 --db ./imagescope.sqlite');
  const scan = scanOptions(watch.command('scan').description('scan the images that run without a scan, every interval (failed scans again after a backoff)'))
    .addOption(new Option('--interval <duration>', 'time between passes').default('10m'))
    .option('--health-port <port>', 'serve /live and /ready on this port (default: none)')
    .action(async (flags) => (await import('./watch-feeds.ts')).watchScan(flags));
  withExamples(scan, 'imagescope watch scan --stale --interval 30m --db ./imagescope.sqlite');
  withExamples(ecr, 'imagescope watch ecr --region us-west-2 --db ./imagescope.sqlite', 'IMAGESCOPE_INGEST_TOKEN=<admin key id>:<secret> imagescope watch ecr --region us-west-2 --endpoint https://imagescope.example --account-id 111122223333');
  return withExamples(watch, 'imagescope watch kubernetes --context prod --cluster-arn prod=arn:aws:eks:us-west-2:111122223333:cluster/prod');
}
