// Hostile input on the wire: oversized bodies and headers, deep nesting, huge strings and arrays,
// invalid UTF-8, wrong content types, duplicate keys and slow clients each get a modelled 4xx or a
// closed connection, never a 5xx, a hang or a crash; hostile ingest files are rejected whole.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from './helpers/databases.ts';
import { ingestViaEndpoint, postRaw, startTestServer, type TestServer } from './helpers/server.ts';

const resourceId = 'arn:aws:ecr:us-west-2:111122223333:repository/app';

/** Sends raw bytes on a socket; resolves with what came back (or '' when the server just closed it). */
function rawExchange(port: number, chunks: (string | Buffer)[], pauseMs = 0): Promise<{ text: string; closedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ text, closedMs: Date.now() - started }));
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        socket.write(chunk);
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
    setTimeout(() => reject(new Error('the server never closed a stalled connection')), 10_000);
  });
}

describe(`hostile input on ${databaseKinds[0].name}`, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(databaseKinds[0], {
      env: { IMAGESCOPE_HEADERS_TIMEOUT_MS: '600', IMAGESCOPE_REQUEST_TIMEOUT_MS: '1500', IMAGESCOPE_MAX_INGEST_BYTES: '200000' },
    });
  });
  after(() => server.stop());

  const expect4xx = async (path: string, body: string | Buffer, type: string, headers: Record<string, string> = {}) => {
    const response = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
    assert.ok(response.status >= 400 && response.status < 500, `${response.status}`);
    assert.equal(response.headers.get('x-amzn-errortype'), type);
    assert.ok(response.headers.get('x-amzn-requestid'));
    return (await response.json()) as { message: string; reason?: string };
  };

  it('refuses bodies over the 1 MiB limit with the modelled error', async () => {
    const big = JSON.stringify({ filter: { resourceId }, pad: 'x'.repeat(1100 * 1024) });
    assert.match((await expect4xx('/cluster/get', big, 'ValidationException')).message, /larger than 1048576 bytes/);
    assert.match((await expect4xx('/ListImageScanFindingAggregations', big, 'InvalidRequestException')).message, /larger than 1048576 bytes/);
  });

  it('survives deep nesting, huge strings and huge arrays', async () => {
    const deep = `{"filter":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const refused = await expect4xx('/cluster/get', deep, 'ValidationException');
    assert.equal(refused.reason, 'CANNOT_PARSE');
    assert.match(refused.message, /nests JSON deeper than 32 levels/);
    const deepObject = `{"x":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)},"filter":{"resourceId":"${resourceId}"}}`;
    assert.match((await expect4xx('/ListImageScanFindingAggregations', deepObject, 'InvalidRequestException')).message, /deeper than 32 levels/);
    const shallow = `{"x":${'{"a":'.repeat(20)}1${'}'.repeat(20)},"filter":{"resourceId":"${resourceId}"}}`;
    assert.equal((await postRaw(server.url, '/cluster/get', shallow)).status, 200, 'unknown members are ignored');
    await expect4xx('/cluster/get', JSON.stringify({ filter: { resourceId: 'a'.repeat(900_000) } }), 'ValidationException');
    const values = Array.from({ length: 60_000 }, (_, i) => `CVE-${i}`);
    assert.match((await expect4xx('/ListImageScanFindingAggregations', JSON.stringify({ filter: { name: 'vulnerabilityId', values } }), 'InvalidRequestException')).message, /Member must have length less than or equal to 10/);
  });

  it('refuses invalid UTF-8, wrong content types and duplicate keys', async () => {
    const invalid = Buffer.concat([Buffer.from('{"filter":{"resourceId":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}}')]);
    assert.match((await expect4xx('/cluster/get', invalid, 'ValidationException')).message, /not valid UTF-8/);
    assert.match((await expect4xx('/cluster/get', `{"filter":{"resourceId":"${resourceId}"}}`, 'ValidationException', { 'content-type': 'application/xml' })).message, /Content-Type 'application\/xml' is not supported/);
    const duplicate = `{"filter":{"resourceId":"${resourceId}"},"filter":{"resourceId":"arn:aws:ecr:us-west-2:999999999999:repository/x"}}`;
    assert.match((await expect4xx('/cluster/get', duplicate, 'ValidationException')).message, /has the key 'filter' twice/);
    assert.match((await expect4xx('/ListImageScanFindingAggregations', '{"filter":{"name":"accountId","name":"vulnerabilityId"}}', 'InvalidRequestException')).message, /twice/);
  });

  it('closes the connection on oversized headers', async () => {
    const { text } = await rawExchange(server.port, [`POST /cluster/get HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nContent-Length: 2\r\n\r\n{}`]);
    assert.ok(text === '' || /^HTTP\/1\.1 431/.test(text), text.slice(0, 50));
  });

  it('cuts off clients that send headers or bodies too slowly', async () => {
    const headers = await rawExchange(server.port, ['POST /cluster/get HTTP/1.1\r\n', 'Host: x\r\n'], 100);
    assert.ok(headers.closedMs < 5000, `closed after ${headers.closedMs} ms`);
    assert.ok(headers.text === '' || /^HTTP\/1\.1 408/.test(headers.text), headers.text.slice(0, 40));
    const body = await rawExchange(server.port, ['POST /cluster/get HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"fil']);
    assert.ok(body.closedMs < 5000, `closed after ${body.closedMs} ms`);
    assert.ok(body.text === '' || /^HTTP\/1\.1 408/.test(body.text), body.text.slice(0, 40));
    assert.equal((await postRaw(server.url, '/cluster/get', JSON.stringify({ filter: { resourceId } }))).status, 200, 'and keeps serving');
  });

  it('rejects truncated, wrong-format and oversized ingest files whole', async () => {
    const truncated = await ingestViaEndpoint(server.url, '{"detail-type": "ECS Task State Change", "detail": {"taskArn": "arn:aws:ecs:us-west-2:1');
    assert.equal(truncated.status, 400);
    assert.match(truncated.body.reason, /not valid JSON/);
    const wrong = await ingestViaEndpoint(server.url, '<?xml version="1.0"?><report/>');
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.reason, /not valid JSON/);
    const other = await ingestViaEndpoint(server.url, JSON.stringify({ kind: 'Deployment', apiVersion: 'apps/v1' }));
    assert.equal(other.status, 400);
    assert.match(other.body.reason, /unrecognised input/);
    const invalidUtf8 = await fetch(`${server.url}/_imagescope/ingest`, { method: 'POST', body: new Uint8Array([0x7b, 0xff, 0x7d]) });
    assert.equal(invalidUtf8.status, 400);
    const oversized = await fetch(`${server.url}/_imagescope/ingest`, { method: 'POST', body: 'x'.repeat(300_000) });
    assert.equal(oversized.status, 413);
    const body = (await oversized.json()) as { error: string; message: string };
    assert.equal(body.error, 'IngestRejected');
    assert.match(body.message, /larger than the 200000-byte ingest limit/);
  });
});
