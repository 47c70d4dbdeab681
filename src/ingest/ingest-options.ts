// Options of one ingest, as the CLI flags and the HTTP ingest endpoint's query parameters give them,
// checked before any file is read.
import { imagebuilderModel, inspector2Model } from '../model/service-model.ts';
import { imageFromOption } from './findings/report-image.ts';
import { formatNames, type FormatName } from './formats.ts';
import { defaultRegion } from './parse-result.ts';

export interface IngestOptions {
  format: FormatName | 'auto';
  accountId: string;
  region?: string;
  clusterArn?: string;
  namespace?: string;
  /** The image a findings report is about, when the report names no manifest digest. */
  image?: string;
  imageBuildVersionArn?: string;
  imagePipelineArn?: string;
}

const modelPattern = (pattern: string) => new RegExp(`^(?:${pattern})$`);
const clusterArnPattern = modelPattern(inspector2Model.shapes.ClusterInformationClusterArnString.pattern!);
const buildVersionArnPattern = modelPattern(imagebuilderModel.shapes.ImageBuildVersionArn.pattern!);
const pipelineArnPattern = modelPattern(imagebuilderModel.shapes.ImagePipelineArn.pattern!);

export class InvalidIngestOptions extends Error {}

export function checkIngestOptions(options: IngestOptions): IngestOptions {
  const fail = (message: string): never => {
    throw new InvalidIngestOptions(message);
  };
  if (options.format !== 'auto' && !formatNames.includes(options.format)) fail(`unknown format '${options.format}': use auto, ${formatNames.join(', ')}`);
  if (!/^\d{12}$/.test(options.accountId)) fail(`account id '${options.accountId}' must be 12 digits`);
  if (options.region !== undefined && !/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(options.region)) fail(`region '${options.region}' is not an AWS region name such as us-east-1`);
  if (options.clusterArn !== undefined && !clusterArnPattern.test(options.clusterArn)) {
    fail(`cluster ARN '${options.clusterArn}' must look like arn:aws:eks:<region>:<account>:cluster/<name>`);
  }
  if (options.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(options.namespace)) fail(`namespace '${options.namespace}' is not a Kubernetes namespace name`);
  if (options.imageBuildVersionArn !== undefined && !buildVersionArnPattern.test(options.imageBuildVersionArn)) {
    fail(`image build version ARN '${options.imageBuildVersionArn}' must look like arn:aws:imagebuilder:<region>:<account>:image/<name>/<x.y.z>/<build>`);
  }
  if (options.imagePipelineArn !== undefined && !pipelineArnPattern.test(options.imagePipelineArn)) {
    fail(`image pipeline ARN '${options.imagePipelineArn}' must look like arn:aws:imagebuilder:<region>:<account>:image-pipeline/<name>`);
  }
  if (options.image !== undefined && !imageFromOption(options.image, { accountId: options.accountId, region: options.region ?? defaultRegion })) {
    fail(`--image '${options.image}' must name the manifest digest: <repository>[:tag]@sha256:<64 hex>, or an Inspector resource id ending in /sha256:<64 hex>`);
  }
  return options;
}
