// Every constraint of the GetClustersForImage input model is enforced with AWS's message, the
// Inspector2 ValidationException reason and fields; plus malformed bodies, unknown routes and
// unexpected failures on the wire.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { GetClustersForImageCommand, type GetClustersForImageCommandInput } from '@aws-sdk/client-inspector2';
import pino from 'pino';
import { inspector2Model } from '../src/model/service-model.ts';
import { databaseKinds } from './helpers/databases.ts';
import { modelConstraints } from './helpers/model-constraints.ts';
import { inspector2Client, postRaw, startTestServer, type TestServer } from './helpers/server.ts';

const valid = 'arn:aws:ecr:us-west-2:111122223333:repository/app';
const pattern = inspector2Model.shapes.ClusterForImageFilterCriteriaResourceIdString.pattern!;

/** One case per constraint of the input model, keyed `<path> <constraint>`, with AWS's exact message. */
const constraintCases: Record<string, { input: Record<string, unknown>; message: string }> = {
  'filter required': {
    input: {},
    message: "Value null at 'filter' failed to satisfy constraint: Member must not be null",
  },
  'filter.resourceId required': {
    input: { filter: {} },
    message: "Value null at 'filter.resourceId' failed to satisfy constraint: Member must not be null",
  },
  'filter.resourceId pattern': {
    input: { filter: { resourceId: `${valid}/sha256:${'A'.repeat(64)}` } },
    message: `Value '${valid}/sha256:${'A'.repeat(64)}' at 'filter.resourceId' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`,
  },
  'maxResults min': {
    input: { filter: { resourceId: valid }, maxResults: 0 },
    message: "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
  },
  'maxResults max': {
    input: { filter: { resourceId: valid }, maxResults: 101 },
    message: "Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
  },
  'nextToken min': {
    input: { filter: { resourceId: valid }, nextToken: '' },
    message: "Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
  },
  'nextToken max': {
    input: { filter: { resourceId: valid }, nextToken: 'x'.repeat(3001) },
    message: `Value '${'x'.repeat(3001)}' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 3000`,
  },
};

interface InspectorError {
  name: string;
  message: string;
  reason: string;
  fields?: { name: string; message: string }[];
  $metadata: { httpStatusCode: number; requestId?: string };
  $response?: { headers: Record<string, string> };
}

for (const kind of databaseKinds) {
  describe(`GetClustersForImage errors on ${kind.name}`, () => {
    let server: TestServer;
    const logLines: string[] = [];
    before(async () => {
      const logStream = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
      server = await startTestServer(kind, { logger: pino({ level: 'error' }, logStream) });
    });
    after(() => server.stop());

    it('has a case for every constraint of the input model', () => {
      assert.deepEqual(Object.keys(constraintCases).sort(), modelConstraints(inspector2Model, 'GetClustersForImageRequest').sort());
    });

    for (const [constraint, { input, message }] of Object.entries(constraintCases)) {
      it(`enforces ${constraint} with AWS's message`, async () => {
        const client = inspector2Client(server.url);
        await assert.rejects(client.send(new GetClustersForImageCommand(input as unknown as GetClustersForImageCommandInput)), (error: InspectorError) => {
          assert.equal(error.name, 'ValidationException');
          assert.equal(error.$metadata.httpStatusCode, 400);
          assert.equal(error.reason, 'FIELD_VALIDATION_FAILED');
          assert.equal(error.message, `1 validation error detected: ${message}`);
          assert.deepEqual(error.fields, [{ name: message.match(/at '([^']+)'/)![1], message }]);
          assert.ok(error.$metadata.requestId);
          return true;
        });
      });
    }

    it('reports several violations in one message, in member order', async () => {
      const response = await postRaw(server.url, '/cluster/get', JSON.stringify({ filter: { resourceId: 'nope' }, maxResults: 0, nextToken: '' }));
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
      assert.match(response.json.message, /^3 validation errors detected: Value 'nope' at 'filter.resourceId' .*; Value '0' at 'maxResults' .*; Value '' at 'nextToken' /);
      assert.deepEqual(response.json.fields.map((f: { name: string }) => f.name), ['filter.resourceId', 'maxResults', 'nextToken']);
    });

    it('answers a body that is not JSON with reason CANNOT_PARSE', async () => {
      for (const body of ['{"filter":', 'not json', '[1,2]', '"text"']) {
        const response = await postRaw(server.url, '/cluster/get', body);
        assert.equal(response.status, 400, body);
        assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
        assert.equal(response.json.reason, 'CANNOT_PARSE');
        assert.ok(response.json.message.length > 0);
      }
    });

    it('answers members of the wrong JSON type with reason CANNOT_PARSE', async () => {
      const response = await postRaw(server.url, '/cluster/get', JSON.stringify({ filter: { resourceId: valid }, maxResults: '10' }));
      assert.equal(response.status, 400);
      assert.equal(response.json.reason, 'CANNOT_PARSE');
      assert.equal(response.json.message, "1 validation error detected: Value '10' at 'maxResults' failed to satisfy constraint: Member must be an integer");
      const filter = await postRaw(server.url, '/cluster/get', JSON.stringify({ filter: 'x' }));
      assert.equal(filter.json.reason, 'CANNOT_PARSE');
    });

    it('treats an empty body as an empty request', async () => {
      const response = await postRaw(server.url, '/cluster/get', '');
      assert.equal(response.status, 400);
      assert.equal(response.json.message, "1 validation error detected: Value null at 'filter' failed to satisfy constraint: Member must not be null");
    });

    it('answers unknown routes with a clear 404', async () => {
      for (const [method, path] of [['POST', '/cluster/list'], ['GET', '/cluster/get'], ['PUT', '/']]) {
        const response = await fetch(server.url + path, { method, body: method === 'GET' ? undefined : '{}' });
        assert.equal(response.status, 404);
        assert.equal(response.headers.get('x-amzn-errortype'), 'UnknownOperationException');
        assert.match(((await response.json()) as { message: string }).message, new RegExp(`No operation is served at ${method} ${path}`));
      }
    });

    it('turns an unexpected failure into InternalServerException with a request id, logged, no stack trace', async () => {
      await server.store.close(); // the database goes away under the running server
      const response = await postRaw(server.url, '/cluster/get', JSON.stringify({ filter: { resourceId: valid } }));
      assert.equal(response.status, 500);
      assert.equal(response.headers.get('x-amzn-errortype'), 'InternalServerException');
      assert.equal(response.headers.get('retry-after'), '1');
      const requestId = response.headers.get('x-amzn-requestid')!;
      assert.ok(requestId);
      assert.deepEqual(Object.keys(response.json), ['message']);
      assert.ok(response.json.message.includes(requestId));
      assert.ok(!/at .*\.ts:\d+/.test(response.text), 'no stack trace on the wire');
      const logged = logLines.map((l) => JSON.parse(l)).find((l) => l.requestId === requestId);
      assert.ok(logged, 'the failure is logged with its request id');
      assert.ok(logged.err.stack, 'the log keeps the stack');
      await assert.rejects(inspector2Client(server.url).send(new GetClustersForImageCommand({ filter: { resourceId: valid } })), { name: 'InternalServerException' });
    });
  });
}
