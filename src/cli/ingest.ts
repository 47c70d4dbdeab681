// `imagescope ingest`: its flags; ingest-files.ts reads the files and hands them on.
import { Command, Option } from 'commander';
import { accountIdOption, dbOption, withExamples } from './options.ts';

export interface IngestFlags {
  db: string;
  endpoint?: string;
  format: string;
  clusterArn?: string;
  namespace?: string;
  accountId?: string;
  region?: string;
  image?: string;
  imageBuildVersionArn?: string;
  imagePipelineArn?: string;
  json?: boolean;
}

export function ingestCommand(): Command {
  const command = new Command('ingest')
    .description('store runtime events (ECS tasks, Kubernetes pods) or scanner findings (Trivy, trivy-operator, Grype, CycloneDX, SARIF, ECR scans, Inspector2) from files or stdin (-)')
    .argument('<files...>', 'input files; - reads standard input')
    .addOption(dbOption())
    .option('--endpoint <url>', 'send to a running server instead of writing to --db, e.g. http://127.0.0.1:4599')
    .addOption(new Option('--format <format>', 'input format; auto recognises it by its content').choices(['auto', 'ecs', 'kubernetes', 'trivy', 'trivy-operator', 'grype', 'cyclonedx', 'sarif', 'ecr', 'inspector2', 'scan-status']).default('auto'))
    .option('--cluster-arn <arn>', 'cluster the Kubernetes objects come from (arn:aws:eks:<region>:<account>:cluster/<name>)')
    .option('--namespace <ns>', 'the Kubernetes list is a complete snapshot of this namespace only (default: of the cluster)')
    .addOption(accountIdOption())
    .option('--region <region>', 'region for images of non-ECR registries (default: from the input, else us-east-1)')
    .option('--image <ref>', 'the image a report is about when it names no digest: <repository>[:tag]@sha256:<digest>')
    .option('--image-build-version-arn <arn>', 'tag the reports\' images with this Image Builder image build version')
    .option('--image-pipeline-arn <arn>', 'tag the reports\' images with this Image Builder image pipeline')
    .option('--json', 'print the summaries as JSON')
    .action(async (files: string[], flags: IngestFlags) => {
      const { runIngest } = await import('./ingest-files.ts');
      process.exitCode = await runIngest(files, flags);
    });
  return withExamples(
    command,
    'imagescope ingest --image-pipeline-arn arn:aws:imagebuilder:us-west-2:111122223333:image-pipeline/web web-trivy.json',
    'kubectl get pods -A -o json | imagescope ingest --cluster-arn arn:aws:eks:us-west-2:111122223333:cluster/apps -',
  );
}
