// The findings the Inspector2 read-surface tests share: three real reports and a newer alpine one
// (list-findings.test.ts's header says what they hold).
import assert from 'node:assert/strict';
import { readFixture, sharedFixture } from './fixtures.ts';
import { ingestViaEndpoint } from './server.ts';

export const account = '111122223333';
export const alpineDigest = `sha256:${'e'.repeat(64)}`;
export const alpineImage = `${account}.dkr.ecr.us-west-2.amazonaws.com/alpine@${alpineDigest}`;
export const alpineResource = `arn:aws:ecr:us-west-2:${account}:repository/alpine/${alpineDigest}`;
export const firstAlpineReport = Date.parse('2021-08-25T12:20:30Z') / 1000;
export const secondAlpineReport = Date.parse('2021-08-26T12:00:00Z') / 1000;

/** alpine-39.json a day later, without musl-utils (its finding closes). */
export function secondAlpine(): string {
  const report = JSON.parse(readFixture(sharedFixture('trivy/alpine-39.json')));
  report.CreatedAt = new Date(secondAlpineReport * 1000).toISOString();
  for (const result of report.Results) result.Vulnerabilities = (result.Vulnerabilities ?? []).filter((v: { PkgName: string }) => v.PkgName !== 'musl-utils');
  return JSON.stringify(report);
}

/** Ingests alpine (Trivy), busybox and presenter (Grype), then alpine's newer report. */
export async function ingestFindingFixtures(url: string): Promise<void> {
  for (const [fixture, params] of [['trivy/alpine-39.json', { image: alpineImage }], ['grype/many_vulns.json', {}], ['grype/presenter-image.json', {}]] as const) {
    const ingest = await ingestViaEndpoint(url, readFixture(sharedFixture(fixture)), params);
    assert.equal(ingest.status, 200, JSON.stringify(ingest.body));
  }
  assert.equal((await ingestViaEndpoint(url, secondAlpine(), { image: alpineImage })).status, 200);
}
