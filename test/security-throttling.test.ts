// Throttling per account and operation: each service's modelled 429, Retry-After, and the SDKs' own
// retries getting through.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand } from '@aws-sdk/client-imagebuilder';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import { databaseKinds } from './helpers/databases.ts';
import { imagebuilderClient, inspector2Client, postRaw, startTestServer, type TestServer } from './helpers/server.ts';

const query = JSON.stringify({ filter: { resourceId: 'arn:aws:ecr:us-west-2:111122223333:repository/app' } });
const signedAs = (account: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=${account}/20261121/us-west-2/inspector2/aws4_request, SignedHeaders=host, Signature=0` });

describe(`throttling on ${databaseKinds[0].name}`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(databaseKinds[0], { env: { IMAGESCOPE_THROTTLE_RATE: '20', IMAGESCOPE_THROTTLE_BURST: '5' } });
  });
  after(() => server.stop());

  it('answers a burst over the limit with ThrottlingException (429, Retry-After) for Inspector2', async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, () => postRaw(server.url, '/cluster/get', query, signedAs('111122223333'))));
    const throttled = responses.filter((r) => r.status === 429);
    assert.ok(throttled.length >= 5, `${throttled.length} of 12 throttled`);
    assert.ok(responses.filter((r) => r.status === 200).length >= 5);
    for (const r of throttled) {
      assert.equal(r.headers.get('x-amzn-errortype'), 'ThrottlingException');
      assert.equal(r.headers.get('retry-after'), '1');
      assert.equal(r.json.message, 'Rate exceeded');
    }
  });

  it('keeps separate buckets per account and per operation', async () => {
    const other = await postRaw(server.url, '/cluster/get', query, signedAs('222233334444'));
    assert.equal(other.status, 200, 'another account has its own bucket');
    const builder = await postRaw(server.url, '/ListImageScanFindingAggregations', '{}', signedAs('111122223333'));
    assert.equal(builder.status, 200, 'another operation has its own bucket');
  });

  it('answers Image Builder bursts with CallRateLimitExceededException (429)', async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, () => postRaw(server.url, '/ListImageScanFindingAggregations', '{}', signedAs('333344445555'))));
    const throttled = responses.filter((r) => r.status === 429);
    assert.ok(throttled.length >= 5);
    for (const r of throttled) assert.equal(r.headers.get('x-amzn-errortype'), 'CallRateLimitExceededException');
  });

  it('lets the SDKs\' own retries get every request through', async () => {
    await new Promise((r) => setTimeout(r, 500));
    const inspector = inspector2Client(server.url, '555566667777', 'us-west-2', 'x', 10);
    const builder = imagebuilderClient(server.url, '555566667777', 'us-west-2', 'x', 10);
    const results = await Promise.all([
      ...Array.from({ length: 15 }, () => inspector.send(new GetClustersForImageCommand({ filter: { resourceId: 'arn:aws:ecr:us-west-2:111122223333:repository/app' } }))),
      ...Array.from({ length: 15 }, () => builder.send(new ListImageScanFindingAggregationsCommand({}))),
    ]);
    assert.equal(results.length, 30);
    const retried = results.reduce((n, r) => n + (r.$metadata.attempts ?? 1) - 1, 0);
    assert.ok(retried > 0, 'some requests were throttled and retried');
  });
});
