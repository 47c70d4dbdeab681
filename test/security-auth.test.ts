// --auth sigv4: every AWS request verified against the keys in the store, AWS's 403 errors, roles,
// account isolation, the ingest endpoint's keys and tokens, and the refusal to serve openly.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand } from '@aws-sdk/client-imagebuilder';
import { GetClustersForImageCommand, Inspector2Client } from '@aws-sdk/client-inspector2';
import pino from 'pino';
import { ingestTokenHeader } from '../src/ingest/ingest-endpoint.ts';
import { ingestTokenOf, newAccessKey } from '../src/protocol/access-keys.ts';
import { serverConfig } from '../src/server/config.ts';
import type { AccessKeyRow } from '../src/store/store.ts';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { imagebuilderClient, postRaw, startTestServer, type TestServer } from './helpers/server.ts';
import { exitOf, runCli, startServeProcess } from './helpers/cli.ts';
import { signedFetch } from './helpers/sign.ts';
import { tempDir } from './helpers/temp.ts';
import { writeFile } from 'node:fs/promises';

const resourceId = `arn:aws:ecr:us-west-2:111122223333:repository/app/sha256:${'a'.repeat(64)}`;
const query = JSON.stringify({ filter: { resourceId } });

function client(url: string, key: Pick<AccessKeyRow, 'access_key_id' | 'secret_access_key'>, sessionToken?: string) {
  return new Inspector2Client({
    endpoint: url,
    region: 'us-west-2',
    credentials: { accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key, sessionToken },
    maxAttempts: 1,
  });
}

const rejects = (promise: Promise<unknown>, name: string, message?: RegExp, status = 403) =>
  assert.rejects(promise, (error: { name: string; message: string; $metadata: { httpStatusCode: number } }) => {
    assert.equal(error.name, name);
    assert.equal(error.$metadata.httpStatusCode, status);
    if (message) assert.match(error.message, message);
    return true;
  });

for (const kind of databaseKinds) {
  describe(`SigV4 authentication on ${kind.name}`, () => {
    let server: TestServer;
    const logs: string[] = [];
    const keys = {
      reader: newAccessKey('111122223333', 'read', Date.now()),
      ingester: newAccessKey('111122223333', 'ingest', Date.now()),
      admin: newAccessKey('111122223333', 'admin', Date.now()),
      otherAccount: newAccessKey('444455556666', 'admin', Date.now()),
      revoked: newAccessKey('111122223333', 'admin', Date.now()),
    };
    const ingest = (key: AccessKeyRow, body: string, extra: Partial<Parameters<typeof signedFetch>[3]> = {}) =>
      signedFetch(server.url, '/_imagescope/ingest', body, { accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key, service: 'imagescope', ...extra });

    before(async () => {
      const logStream = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) });
      server = await startTestServer(kind, { env: { IMAGESCOPE_AUTH: 'sigv4' }, logger: pino({ level: 'debug' }, logStream) });
      for (const key of Object.values(keys)) await server.store.createAccessKey(key);
      await server.store.revokeAccessKey(keys.revoked.access_key_id, Date.now());
      const response = await ingest(keys.ingester, jsonLines([ecsTaskEvent({ cluster: 'prod', task: 't1' })]));
      assert.equal(response.status, 200, await response.clone().text());
    });
    after(() => server.stop());

    it('serves the real SDKs signing with a stored key, in the key\'s account', async () => {
      const out = await client(server.url, keys.reader).send(new GetClustersForImageCommand({ filter: { resourceId } }));
      assert.deepEqual(out.cluster!.map((c) => c.clusterArn), ['arn:aws:ecs:us-west-2:111122223333:cluster/prod']);
      const other = await client(server.url, keys.otherAccount).send(new GetClustersForImageCommand({ filter: { resourceId } }));
      assert.deepEqual(other.cluster, [], 'another account sees nothing, whatever the resource id says');
    });

    it('answers unsigned requests with MissingAuthenticationTokenException', async () => {
      const response = await postRaw(server.url, '/cluster/get', query);
      assert.equal(response.status, 403);
      assert.equal(response.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
      assert.equal(response.json.message, 'Missing Authentication Token');
      const builder = await postRaw(server.url, '/ListImageScanFindingAggregations', '{}');
      assert.equal(builder.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    });

    it('answers unknown, revoked and session-token credentials with UnrecognizedClientException', async () => {
      await rejects(client(server.url, { access_key_id: 'AKISNOTAKEY000000000', secret_access_key: 'x' }).send(new GetClustersForImageCommand({ filter: { resourceId } })), 'UnrecognizedClientException', /^The security token included in the request is invalid\.$/);
      await rejects(client(server.url, keys.revoked).send(new GetClustersForImageCommand({ filter: { resourceId } })), 'UnrecognizedClientException');
      await rejects(client(server.url, keys.reader, 'FwoGZXIvYXdzEXAMPLE').send(new GetClustersForImageCommand({ filter: { resourceId } })), 'UnrecognizedClientException', /does not accept session tokens/);
    });

    it('answers a wrong secret or a tampered body with InvalidSignatureException', async () => {
      await rejects(client(server.url, { ...keys.reader, secret_access_key: 'wrong' }).send(new GetClustersForImageCommand({ filter: { resourceId } })), 'InvalidSignatureException', /^The request signature we calculated does not match the signature you provided\./);
      const tampered = await signedFetch(server.url, '/cluster/get', query, {
        accessKeyId: keys.reader.access_key_id, secretAccessKey: keys.reader.secret_access_key, service: 'inspector2',
        sendBody: JSON.stringify({ filter: { resourceId: resourceId.replace('app', 'other') } }),
      });
      assert.equal(tampered.status, 403);
      assert.equal(tampered.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
    });

    it('refuses signatures more than 15 minutes old or ahead, and scopes for another service', async () => {
      const sign = (signingDate: Date, service = 'inspector2') =>
        signedFetch(server.url, '/cluster/get', query, { accessKeyId: keys.reader.access_key_id, secretAccessKey: keys.reader.secret_access_key, service, signingDate });
      const old = await sign(new Date(Date.now() - 16 * 60_000));
      assert.equal(old.status, 403);
      assert.match(((await old.json()) as { message: string }).message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
      const ahead = await sign(new Date(Date.now() + 16 * 60_000));
      assert.match(((await ahead.json()) as { message: string }).message, /^Signature not yet current/);
      assert.equal((await sign(new Date(Date.now() - 14 * 60_000))).status, 200, 'within the skew');
      const wrongService = await sign(new Date(), 'imagebuilder');
      assert.equal(wrongService.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
      assert.match(((await wrongService.json()) as { message: string }).message, /scoped to correct service: 'inspector2'/);
    });

    it('gives keys without the role the modelled error of each service', async () => {
      await rejects(client(server.url, keys.ingester).send(new GetClustersForImageCommand({ filter: { resourceId } })), 'AccessDeniedException', /role 'ingest' is not authorized to perform GetClustersForImage/);
      const builder = imagebuilderClient(server.url, keys.ingester.access_key_id, 'us-west-2', keys.ingester.secret_access_key);
      await rejects(builder.send(new ListImageScanFindingAggregationsCommand({})), 'ForbiddenException');
    });

    it('lets only ingest-capable keys and tokens ingest, into their own account', async () => {
      const events = jsonLines([ecsTaskEvent({ cluster: 'staging', task: 't2' })]);
      assert.equal((await fetch(`${server.url}/_imagescope/ingest`, { method: 'POST', body: events })).status, 403, 'unsigned');
      const reader = await ingest(keys.reader, events);
      assert.equal(reader.status, 403);
      assert.equal(((await reader.json()) as { error: string }).error, 'AccessDeniedException');
      const foreign = await ingest(keys.ingester, events, { query: { accountId: '444455556666' } });
      assert.equal(foreign.status, 403, 'a key cannot ingest into another account');
      const byToken = await fetch(`${server.url}/_imagescope/ingest`, { method: 'POST', headers: { [ingestTokenHeader]: ingestTokenOf(keys.ingester) }, body: events });
      assert.equal(byToken.status, 200);
      const badToken = await fetch(`${server.url}/_imagescope/ingest`, { method: 'POST', headers: { [ingestTokenHeader]: `${keys.ingester.access_key_id}:nope` }, body: events });
      assert.equal(badToken.status, 403);
      const readerToken = await fetch(`${server.url}/_imagescope/ingest`, { method: 'POST', headers: { [ingestTokenHeader]: ingestTokenOf(keys.reader) }, body: events });
      assert.equal(readerToken.status, 403);
      const out = await client(server.url, keys.admin).send(new GetClustersForImageCommand({ filter: { resourceId } }));
      assert.deepEqual(out.cluster!.map((c) => c.clusterArn!.split('/')[1]), ['prod', 'staging']);
    });

    it('never writes a secret to the log', () => {
      const all = logs.join('\n');
      for (const key of Object.values(keys)) assert.ok(!all.includes(key.secret_access_key));
    });
  });
}

describe('serving without authentication', () => {
  it('is the default on loopback only, and refused elsewhere unless explicitly allowed', () => {
    assert.equal(serverConfig({ host: '127.0.0.1' }, {}).auth, 'none');
    assert.equal(serverConfig({ host: '0.0.0.0' }, {}).auth, 'sigv4');
    assert.throws(() => serverConfig({ host: '0.0.0.0', auth: 'none' }, {}), /refusing to serve 0\.0\.0\.0 without authentication/);
    assert.equal(serverConfig({ host: '0.0.0.0', auth: 'none', allowUnauthenticated: true }, {}).auth, 'none');
    assert.throws(() => serverConfig({ auth: 'basic' }, {}), /auth 'basic' must be none or sigv4/);
  });
});

describe('imagescope keys and a SigV4 server, as child processes', () => {
  it('creates, lists and revokes keys; the CLI signs its ingests with them', async () => {
    const dir = await tempDir();
    const db = `${dir.path}/keys.sqlite`;
    const created = await runCli(['keys', 'create', '--db', db, '--account-id', '777788889999', '--role', 'admin']);
    assert.equal(created.code, 0, created.stderr);
    const accessKeyId = /AWS_ACCESS_KEY_ID=(\S+)/.exec(created.stdout)![1];
    const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(created.stdout)![1];
    assert.match(created.stdout, /ingest token \(header x-imagescope-ingest-token\): AKIS\w+:\S+/);
    const listed = await runCli(['keys', 'list', '--db', db]);
    assert.match(listed.stdout, new RegExp(`${accessKeyId}\\t777788889999\\tadmin\\t.*\\tactive`));
    assert.ok(!listed.stdout.includes(secret), 'list never shows a secret');
    assert.equal((await runCli(['keys', 'create', '--db', db, '--account-id', '7777', '--role', 'admin'])).code, 2);
    assert.match((await runCli(['keys', 'create', '--db', db, '--account-id', '777788889999', '--role', 'root'])).stderr, /argument 'root' is invalid\. Allowed choices are read, ingest, admin\./);

    const served = await startServeProcess(['--port', '0', '--db', db, '--auth', 'sigv4']);
    try {
      const events = `${dir.path}/events.jsonl`;
      await writeFile(events, jsonLines([ecsTaskEvent({ cluster: 'signed', task: 't1', account: '777788889999' })]));
      const credentials = { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secret, AWS_REGION: 'us-west-2' };
      const unsigned = await runCli(['ingest', '--endpoint', served.url, events]);
      assert.notEqual(unsigned.code, 0);
      assert.match(unsigned.stderr, /403/);
      const signed = await runCli(['ingest', '--endpoint', served.url, events], { env: credentials });
      assert.equal(signed.code, 0, signed.stderr);
      const out = await client(served.url, { access_key_id: accessKeyId, secret_access_key: secret }).send(
        new GetClustersForImageCommand({ filter: { resourceId: `arn:aws:ecr:us-west-2:777788889999:repository/app/sha256:${'a'.repeat(64)}` } }),
      );
      assert.deepEqual(out.cluster!.map((c) => c.clusterArn), ['arn:aws:ecs:us-west-2:777788889999:cluster/signed']);
      const revoked = await runCli(['keys', 'revoke', '--db', db, accessKeyId]);
      assert.equal(revoked.code, 0);
      assert.match((await runCli(['keys', 'list', '--db', db])).stdout, /\trevoked /);
      await rejects(client(served.url, { access_key_id: accessKeyId, secret_access_key: secret }).send(new GetClustersForImageCommand({ filter: { resourceId } })), 'UnrecognizedClientException');
    } finally {
      served.child.kill('SIGTERM');
      await exitOf(served.child);
      await dir.remove();
    }
  });

  it('refuses to start without authentication on a non-loopback address', async () => {
    const result = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--auth', 'none', '--db', ':memory:']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /refusing to serve 0\.0\.0\.0 without authentication/);
  });
});
