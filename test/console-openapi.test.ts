// GET /api/v1/openapi.json: a valid OpenAPI 3.1 document (checked by @seriousme/openapi-schema-
// validator, which validates against the OpenAPI 3.1 schema), naming every /api/v1 route, whose schemas
// (JSON Schema 2020-12, checked with ajv) the console's real answers match: every route's JSON answers
// over the console world, pages and filters included, and its errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import { consoleRoutes } from '../src/console/console-routes.ts';
import { consoleGet } from './helpers/console-get.ts';
import { accountA, cve, eksCluster, runningResourceId, startConsoleWorld } from './helpers/console-world.ts';
import { databaseKinds } from './helpers/databases.ts';
import type { TestServer } from './helpers/server.ts';

/** A console route's path as OpenAPI writes it: `:name` and `*` become `{name}` and `{resourceId}`. */
const openApiPath = (routePath: string) => routePath.replace(/:(\w+)/g, '{$1}').replace('*', '{resourceId}');

/** Requests over the console world: each route's answers, several pages and filters, and errors. */
const requests: [string, string, Record<string, string>][] = [
  ['/api/v1/summary', '/api/v1/summary', {}],
  ['/api/v1/vulnerabilities', '/api/v1/vulnerabilities', {}],
  ['/api/v1/vulnerabilities', '/api/v1/vulnerabilities', { running: 'false', severity: 'CRITICAL,MEDIUM', limit: '2' }],
  ['/api/v1/vulnerabilities', '/api/v1/vulnerabilities', { severity: 'SOMETIMES' }],
  ['/api/v1/vulnerabilities/{vulnerabilityId}/exposure', `/api/v1/vulnerabilities/${cve}/exposure`, { running: 'false', clusterLimit: '1' }],
  ['/api/v1/vulnerabilities/{vulnerabilityId}/exposure', '/api/v1/vulnerabilities/CVE-1999-0000/exposure', {}],
  ['/api/v1/images', '/api/v1/images', { limit: '1' }],
  ['/api/v1/images', '/api/v1/images', { running: 'true', q: 'hello' }],
  ['/api/v1/images/{resourceId}', `/api/v1/images/${encodeURIComponent(runningResourceId)}`, { limit: '2' }],
  ['/api/v1/images/{resourceId}', `/api/v1/images/${encodeURIComponent(runningResourceId.replace('hello-repository', 'nothing'))}`, {}],
  ['/api/v1/clusters', '/api/v1/clusters', {}],
  ['/api/v1/clusters', '/api/v1/clusters', { clusterArn: eksCluster }],
  ['/api/v1/clusters', '/api/v1/clusters', { clusterArn: 'not-an-arn' }],
  ['/api/v1/pipelines', '/api/v1/pipelines', {}],
  ['/api/v1/pipelines', '/api/v1/pipelines', { by: 'build' }],
  ['/api/v1/coverage', '/api/v1/coverage', {}],
  ['/api/v1/coverage', '/api/v1/coverage', { state: 'STALE_INVENTORY', limit: '1' }],
  ['/api/v1/coverage', '/api/v1/coverage', { state: 'SOMETIMES' }],
  ['/api/v1/alerts/deliveries', '/api/v1/alerts/deliveries', {}],
  ['/api/v1/alerts/deliveries', '/api/v1/alerts/deliveries', { state: 'lost' }],
  ['/api/v1/alerts/deliveries', '/api/v1/alerts/deliveries', { format: 'csv' }],
  ['/api/v1/openapi.json', '/api/v1/openapi.json', {}],
];

for (const kind of databaseKinds) {
  describe(`the console API's OpenAPI document on ${kind.name}`, () => {
    let server: TestServer;
    let document: any;
    before(async () => {
      server = await startConsoleWorld(kind);
      const answer = await consoleGet(server, '/api/v1/openapi.json', { accountId: accountA });
      assert.equal(answer.status, 200);
      document = answer.json;
    });
    after(() => server.stop());

    it('is a valid OpenAPI 3.1 document naming every /api/v1 route', async () => {
      const result = await new Validator().validate(structuredClone(document));
      assert.equal(result.valid, true, JSON.stringify(result.errors));
      assert.equal(document.openapi, '3.1.0');
      const routes = consoleRoutes.filter((r) => r.kind === 'api').map((r) => openApiPath(r.path)).sort();
      assert.deepEqual(Object.keys(document.paths).sort(), routes);
    });

    it("describes every answer and error the routes give, as the real answers show", async () => {
      const ajv = new Ajv2020.default({ strict: false, allErrors: true });
      ajv.addSchema({ $id: 'doc', components: document.components });
      const seen = new Set<string>();
      for (const [route, path, query] of requests) {
        const answer = await consoleGet(server, path, { accountId: accountA, ...query });
        const declared = document.paths[route].get.responses[answer.status];
        assert.ok(declared, `${path} ${JSON.stringify(query)}: status ${answer.status} is declared`);
        const schema = declared.content['application/json'].schema;
        // The document's own $refs point into its components, which ajv holds as `doc`.
        const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/')));
        assert.ok(validate(answer.json), `${path} ${JSON.stringify(query)} (${answer.status}): ${ajv.errorsText(validate.errors)}`);
        seen.add(`${route} ${answer.status}`);
      }
      for (const expected of ['/api/v1/vulnerabilities 400', '/api/v1/images/{resourceId} 404', '/api/v1/coverage 400', '/api/v1/images/{resourceId} 200']) assert.ok(seen.has(expected), `${expected} was checked`);
    });

    it('finds a wrong answer: the check can fail', () => {
      const ajv = new Ajv2020.default({ strict: false });
      ajv.addSchema({ $id: 'doc', components: document.components });
      const validate = ajv.compile({ $ref: 'doc#/components/schemas/CoverageRow' });
      assert.equal(validate({ resourceId: 'x', repository: 'x', digest: 'x', tags: [], reference: 'x', state: 'SCANNED', runningUnits: 1, clusters: [], places: [] }), false, 'an unknown state');
    });
  });
}
