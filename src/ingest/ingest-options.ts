// Options of one ingest, as the CLI flags and the HTTP ingest endpoint's query parameters give them,
// checked before any file is read.
import { inspector2Model } from '../model/service-model.ts';
import { formatNames, type FormatName } from './formats.ts';

export interface IngestOptions {
  format: FormatName | 'auto';
  accountId: string;
  region?: string;
  clusterArn?: string;
  namespace?: string;
}

const clusterArnPattern = new RegExp(`^(?:${inspector2Model.shapes.ClusterInformationClusterArnString.pattern})$`);

export class InvalidIngestOptions extends Error {}

export function checkIngestOptions(options: IngestOptions): IngestOptions {
  if (options.format !== 'auto' && !formatNames.includes(options.format)) {
    throw new InvalidIngestOptions(`unknown format '${options.format}': use auto, ${formatNames.join(', ')}`);
  }
  if (!/^\d{12}$/.test(options.accountId)) throw new InvalidIngestOptions(`account id '${options.accountId}' must be 12 digits`);
  if (options.region !== undefined && !/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(options.region)) {
    throw new InvalidIngestOptions(`region '${options.region}' is not an AWS region name such as us-east-1`);
  }
  if (options.clusterArn !== undefined && !clusterArnPattern.test(options.clusterArn)) {
    throw new InvalidIngestOptions(`cluster ARN '${options.clusterArn}' must look like arn:aws:eks:<region>:<account>:cluster/<name>`);
  }
  if (options.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(options.namespace)) {
    throw new InvalidIngestOptions(`namespace '${options.namespace}' is not a Kubernetes namespace name`);
  }
  return options;
}
