// The five real reports (../shared/fixtures) the Image Builder suites read: two pipelines, three build
// versions, an image of no pipeline, Inspector2 findings, and a CycloneDX SBOM.
import assert from 'node:assert/strict';
import { readFixture, sharedFixture } from './fixtures.ts';
import { ingestViaEndpoint, type TestServer } from './server.ts';

export const account = '111122223333';
export const pipeline = (name: string) => `arn:aws:imagebuilder:us-west-2:${account}:image-pipeline/${name}`;
export const build = (version: string) => `arn:aws:imagebuilder:us-west-2:${account}:image/web/${version}`;
export const image = (c: string) => `${account}.dkr.ecr.us-west-2.amazonaws.com/web@sha256:${c.repeat(64)}`;

/** Ingests one report through the server's ingest endpoint; its answer. */
export async function ingestReport(server: TestServer, path: string, params: Record<string, string> = {}) {
  const result = await ingestViaEndpoint(server.url, readFixture(sharedFixture(path)), { name: path, ...params });
  assert.equal(result.status, 200, JSON.stringify(result.body));
  return result.body;
}

export async function ingestImageBuilderReports(server: TestServer): Promise<void> {
  await ingestReport(server, 'trivy/alpine-39.json', { image: image('a'), imagePipelineArn: pipeline('web'), imageBuildVersionArn: build('1.0.0/1') });
  await ingestReport(server, 'grype/many_vulns.json', { imagePipelineArn: pipeline('web'), imageBuildVersionArn: build('1.0.0/2') });
  await ingestReport(server, 'sarif/trivy-alpine-310.sarif', { image: image('b'), imagePipelineArn: pipeline('base'), imageBuildVersionArn: build('2.0.0/1') });
  await ingestReport(server, 'inspector2/list-findings-many.json');
  await ingestReport(server, 'cyclonedx/trivy-pom.cdx.json', { image: image('c') });
}
