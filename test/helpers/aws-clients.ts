// The AWS CLI and boto3 as child processes against a server, with credentials that pick the tenant
// account (the access key id, when it is 12 digits) and no configuration from the machine.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

function clientEnv(accessKeyId: string): NodeJS.ProcessEnv {
  return { ...process.env, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-west-2', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
}

/** `aws <args> --endpoint-url url --output json`, its output parsed. */
export async function awsCli(args: string[], url: string, accessKeyId = '111122223333'): Promise<any> {
  const { stdout } = await run('aws', [...args, '--endpoint-url', url, '--output', 'json'], { env: clientEnv(accessKeyId) });
  return JSON.parse(stdout);
}

/**
 * Runs a Python snippet with `inspector2` and `imagebuilder` boto3 clients pointed at the server; the
 * snippet sets `result`, which comes back parsed (dates as epoch seconds).
 */
export async function boto3(snippet: string, url: string, accessKeyId = '111122223333'): Promise<any> {
  const program = [
    'import boto3, json, datetime',
    `inspector2 = boto3.client("inspector2", endpoint_url=${JSON.stringify(url)})`,
    `imagebuilder = boto3.client("imagebuilder", endpoint_url=${JSON.stringify(url)})`,
    'result = None',
    snippet,
    'print(json.dumps(result, default=lambda v: v.timestamp() if isinstance(v, datetime.datetime) else str(v)))',
  ].join('\n');
  const { stdout } = await run('python3', ['-c', program], { env: clientEnv(accessKeyId) });
  return JSON.parse(stdout);
}

async function missing(command: string, args: string[], what: string): Promise<string | false> {
  try {
    await run(command, args);
    return false;
  } catch {
    return `${what} is not installed`;
  }
}

/** A reason to skip the tests that need the AWS CLI, or false when it is there. */
export const awsCliMissing = await missing('aws', ['--version'], 'the AWS CLI (aws)');
/** A reason to skip the tests that need boto3, or false when it is there. */
export const boto3Missing = await missing('python3', ['-c', 'import boto3'], 'boto3');
