// 19,000 requests generated from the input models, sent by the real SDK clients (with the body
// swapped for the generated one): zero 5xx, zero crashes, and every response parsed by the SDK into
// its output or one of the operation's modelled errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand, ListImageScanFindingsCommand } from '@aws-sdk/client-imagebuilder';
import { BatchGetAccountStatusCommand, BatchGetFindingDetailsCommand, GetClustersForImageCommand, GetConfigurationCommand, ListCoverageCommand, ListCoverageStatisticsCommand, ListFindingAggregationsCommand, ListFindingsCommand, ListMembersCommand } from '@aws-sdk/client-inspector2';
import { imagebuilderModel, inspector2Model, type ServiceModel } from '../src/model/service-model.ts';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { BodyFuzzer, seededRandom } from './helpers/fuzz.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';
import { imagebuilderClient, ingestViaEndpoint, inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';

const requestsPerOperation = 5_000;
const workers = 16;

interface Client {
  middlewareStack: { add(middleware: unknown, options: unknown): void };
  send(command: unknown): Promise<unknown>;
}

type BuildArgs = { request: { body: string; headers: Record<string, string> } };

/** Makes the client send `holder.body` instead of the command's own serialization. */
function sendingBodyOf(client: Client, holder: { body: string }): Client {
  client.middlewareStack.add(
    (next: (args: BuildArgs) => Promise<unknown>) => async (args: BuildArgs) => {
      args.request.body = holder.body;
      delete args.request.headers['content-length'];
      return next(args);
    },
    { step: 'build', priority: 'high', name: 'fuzzBody' },
  );
  return client;
}

/** Sends generated bodies from several workers, each with its own real SDK client. */
async function fuzz(model: ServiceModel, operation: string, newClient: () => Client, command: () => unknown, seed: number, requests = requestsPerOperation, reshape: (body: string) => string = (body) => body) {
  const fuzzer = new BodyFuzzer(model, seededRandom(seed));
  const allowed = new Set(model.operations[operation].errors);
  const tally = { ok: 0, errors: new Map<string, number>(), total: 0 };
  const worker = async (count: number) => {
    const holder = { body: '{}' };
    const client = sendingBodyOf(newClient(), holder);
    for (let i = 0; i < count; i++) {
      holder.body = reshape(fuzzer.body(model.operations[operation].input));
      const sent = holder.body.slice(0, 200);
      try {
        await client.send(command());
        tally.ok++;
      } catch (error) {
        const e = error as { name: string; $metadata?: { httpStatusCode?: number } };
        assert.ok(e.$metadata?.httpStatusCode, `not an HTTP response: ${String(error)} for ${sent}`);
        assert.ok(e.$metadata.httpStatusCode! < 500, `${e.$metadata.httpStatusCode} ${e.name} for ${sent}`);
        assert.ok(allowed.has(e.name), `${e.name} is not a modelled error of ${operation} (body ${sent})`);
        tally.errors.set(e.name, (tally.errors.get(e.name) ?? 0) + 1);
      }
      tally.total++;
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(Math.floor(requests / workers) + (w < requests % workers ? 1 : 0))));
  return tally;
}

/**
 * Generated aggregationRequests name several types' structures at once, which the operation refuses:
 * in half the requests only the structure of the generated aggregationType is kept, so that the
 * filters of every type are reached too.
 */
function keepOneAggregation(body: string): string {
  let request: { aggregationType?: unknown; aggregationRequest?: Record<string, unknown> };
  try {
    request = JSON.parse(body);
  } catch {
    return body;
  }
  if (typeof request?.aggregationRequest !== 'object' || request.aggregationRequest === null || body.length % 2 === 0) return body;
  const type = String(request.aggregationType).toLowerCase().replace(/^aws_ecr_container$/, 'awsEcrContainer').replace(/^aws_ec2_instance$/, 'ec2Instance').replace(/^aws_lambda_function$/, 'lambdaFunction').replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const member = `${type}Aggregation`;
  request.aggregationRequest = member in request.aggregationRequest ? { [member]: request.aggregationRequest[member] } : {};
  return JSON.stringify(request);
}

describe(`fuzzing the input models on ${databaseKinds[0].name}`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(databaseKinds[0], { env: { IMAGESCOPE_THROTTLE_RATE: '100000', IMAGESCOPE_THROTTLE_BURST: '100000', IMAGESCOPE_AGGREGATION_PAGE_SIZE: '3' } });
    await ingestViaEndpoint(server.url, jsonLines(Array.from({ length: 5 }, (_, i) => ecsTaskEvent({ cluster: `c${i}`, task: `t${i}` }))));
    await ingestViaEndpoint(server.url, readFixture(sharedFixture('grype/many_vulns.json')), { imagePipelineArn: 'arn:aws:imagebuilder:us-west-2:111122223333:image-pipeline/web' });
  });
  after(() => server.stop());

  it(`GetClustersForImage: ${requestsPerOperation} generated requests`, async () => {
    const tally = await fuzz(inspector2Model, 'GetClustersForImage', () => inspector2Client(server.url) as unknown as Client, () => new GetClustersForImageCommand({ filter: { resourceId: 'x' } }), 1);
    assert.equal(tally.total, requestsPerOperation);
    assert.ok(tally.ok > 100, `some generated requests are valid (${tally.ok})`);
    assert.ok((tally.errors.get('ValidationException') ?? 0) > 1000, 'most are rejected');
  });

  it(`ListImageScanFindingAggregations: ${requestsPerOperation} generated requests`, async () => {
    const tally = await fuzz(imagebuilderModel, 'ListImageScanFindingAggregations', () => imagebuilderClient(server.url) as unknown as Client, () => new ListImageScanFindingAggregationsCommand({}), 2);
    assert.equal(tally.total, requestsPerOperation);
    assert.ok(tally.ok > 100, `some generated requests are valid (${tally.ok})`);
    assert.ok((tally.errors.get('InvalidRequestException') ?? 0) > 500);
  });

  it('ListImageScanFindings: 1,000 generated requests', async () => {
    const tally = await fuzz(imagebuilderModel, 'ListImageScanFindings', () => imagebuilderClient(server.url) as unknown as Client, () => new ListImageScanFindingsCommand({}), 9, 1_000);
    assert.equal(tally.total, 1_000);
    assert.ok(tally.ok > 10, `some generated requests are valid (${tally.ok})`);
    assert.ok((tally.errors.get('InvalidRequestException') ?? 0) > 100, 'many are rejected');
  });

  // The account-level calls take few members: fewer requests cover their inputs; ListFindings' and
  // ListFindingAggregations' many members are each filtered on their own, so a thousand requests reach every one of them.
  const accountCalls: [string, () => unknown, ((body: string) => string)?][] = [
    ['BatchGetAccountStatus', () => new BatchGetAccountStatusCommand({})],
    ['ListMembers', () => new ListMembersCommand({})],
    ['GetConfiguration', () => new GetConfigurationCommand({})],
    ['BatchGetFindingDetails', () => new BatchGetFindingDetailsCommand({ findingArns: [] })],
    ['ListFindings', () => new ListFindingsCommand({})],
    ['ListFindingAggregations', () => new ListFindingAggregationsCommand({ aggregationType: 'TITLE' }), keepOneAggregation],
    ['ListCoverage', () => new ListCoverageCommand({})],
    ['ListCoverageStatistics', () => new ListCoverageStatisticsCommand({})],
  ];
  for (const [index, [operation, command, reshape]] of accountCalls.entries()) {
    it(`${operation}: 1,000 generated requests`, async () => {
      const tally = await fuzz(inspector2Model, operation, () => inspector2Client(server.url) as unknown as Client, command, 3 + index, 1_000, reshape);
      assert.equal(tally.total, 1_000);
      assert.ok(tally.ok > 10, `some generated requests are valid (${tally.ok})`);
      assert.ok((tally.errors.get('ValidationException') ?? 0) > 100, 'many are rejected');
    });
  }

  it('is still serving afterwards', async () => {
    const out = await inspector2Client(server.url).send(new GetClustersForImageCommand({ filter: { resourceId: `arn:aws:ecr:us-west-2:111122223333:repository/app/sha256:${'a'.repeat(64)}` } }));
    assert.equal(out.cluster!.length, 5);
  });
});
