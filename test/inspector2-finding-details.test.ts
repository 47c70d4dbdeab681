// BatchGetFindingDetails through the real JS SDK, boto3 and the AWS CLI: each finding's CWEs, links,
// EPSS score and CISA entry as the ingested reports (../shared/fixtures) give them, by the ARN derived
// from the occurrence; an ARN of no finding of the caller's account is an errors[] entry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchGetFindingDetailsCommand } from '@aws-sdk/client-inspector2';
import { FindingIds, findingArnOf } from '../src/domain/finding-ids.ts';
import { parseResourceId } from '../src/domain/images.ts';
import { awsCli, awsCliMissing, boto3, boto3Missing } from './helpers/aws-clients.ts';
import { databaseKinds } from './helpers/databases.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';
import { ingestViaEndpoint, inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';

const account = '111122223333';
const other = '444455556666';
const alpine = `${account}.dkr.ecr.us-west-2.amazonaws.com/alpine@sha256:${'e'.repeat(64)}`;

/** The ARN of a finding of the image an ingest answered with. */
function arnOf(ingest: { body: any }, vulnerabilityId: string, packageName: string, version: string): string {
  const image = parseResourceId(ingest.body.images[0])!;
  const key = { repository: image.repository, digest: image.digest! };
  return findingArnOf(key.repository, new FindingIds(key).of(vulnerabilityId, packageName, version));
}

for (const kind of databaseKinds) {
  describe(`BatchGetFindingDetails on ${kind.name}`, () => {
    let server: TestServer;
    let exploited: string;
    let epssOnly: string;
    let trivy: string;
    let othersOnly: string;

    before(async () => {
      server = await startTestServer(kind);
      const grype = await ingestViaEndpoint(server.url, readFixture(sharedFixture('grype/presenter-image.json')));
      assert.equal(grype.status, 200, JSON.stringify(grype.body));
      exploited = arnOf(grype, 'CVE-1999-0002', 'package-2', '2.2.2');
      epssOnly = arnOf(grype, 'CVE-1999-0001', 'package-1', '1.1.1');
      const alpineIngest = await ingestViaEndpoint(server.url, readFixture(sharedFixture('trivy/alpine-39.json')), { image: alpine });
      trivy = arnOf(alpineIngest, 'CVE-2019-1549', 'libcrypto1.1', '1.1.1b-r1');
      const elsewhere = await ingestViaEndpoint(server.url, readFixture(sharedFixture('trivy/alpine-39.json')), { accountId: other, image: alpine.replace('/alpine@', '/alpine-other@') });
      othersOnly = arnOf(elsewhere, 'CVE-2019-1549', 'libcrypto1.1', '1.1.1b-r1');
    });
    after(() => server.stop());

    it("answers each finding's CWEs, links, EPSS score and CISA entry, and an errors[] entry for an ARN of no finding of the account", async () => {
      const unknown = `arn:aws:inspector2:us-west-2:${account}:finding/${'0'.repeat(32)}`;
      const out = await inspector2Client(server.url, account).send(new BatchGetFindingDetailsCommand({ findingArns: [exploited, epssOnly, trivy, unknown, othersOnly] }));
      assert.match(exploited, /^arn:aws:inspector2:[a-z0-9-]+:\d{12}:finding\/[a-f0-9]{32}$/);
      const byArn = new Map(out.findingDetails!.map((d) => [d.findingArn, d]));
      assert.deepEqual(byArn.get(exploited), { findingArn: exploited, cisaData: {}, referenceUrls: [], cwes: [], epssScore: 0.08, tools: [], ttps: [], evidences: [] }, 'known exploited: a CISA entry (the report gives no dates)');
      assert.equal(byArn.get(epssOnly)!.cisaData, undefined);
      assert.equal(byArn.get(epssOnly)!.epssScore, 0.03);
      const openssl = byArn.get(trivy)!;
      assert.deepEqual(openssl.cwes, ['CWE-330']);
      assert.equal(openssl.referenceUrls!.length, 20);
      assert.equal(openssl.referenceUrls![0], 'https://access.redhat.com/security/cve/CVE-2019-1549');
      assert.equal(openssl.epssScore, undefined, 'Trivy gives no EPSS score');
      assert.deepEqual(out.errors!.map((e) => [e.findingArn, e.errorCode]), [[unknown, 'FINDING_DETAILS_NOT_FOUND'], [othersOnly, 'FINDING_DETAILS_NOT_FOUND']], "another account's finding is not found, never shown");
      const own = await inspector2Client(server.url, other).send(new BatchGetFindingDetailsCommand({ findingArns: [othersOnly, trivy] }));
      assert.deepEqual([own.findingDetails!.map((d) => d.findingArn), own.errors!.map((e) => e.findingArn)], [[othersOnly], [trivy]], 'each account sees its own');
    });

    it('refuses what the model refuses', async () => {
      const client = inspector2Client(server.url, account);
      await assert.rejects(client.send(new BatchGetFindingDetailsCommand({ findingArns: Array.from({ length: 11 }, () => exploited) })), (e: any) => e.name === 'ValidationException' && /findingArns/.test(e.message));
      await assert.rejects(client.send(new BatchGetFindingDetailsCommand({ findingArns: ['arn:aws:inspector2:us-west-2:111122223333:finding/XYZ'] })), { name: 'ValidationException' });
      await assert.rejects(client.send(new BatchGetFindingDetailsCommand({ findingArns: [] })), { name: 'ValidationException' });
    });

    it('answers boto3 and the AWS CLI', { skip: boto3Missing || awsCliMissing }, async () => {
      const fromBoto3 = await boto3(`result = inspector2.batch_get_finding_details(findingArns=${JSON.stringify([exploited, trivy])})["findingDetails"]`, server.url);
      assert.deepEqual(fromBoto3.map((d: any) => [d.findingArn, d.cwes]), [[exploited, []], [trivy, ['CWE-330']]]);
      const fromCli = await awsCli(['inspector2', 'batch-get-finding-details', '--finding-arns', epssOnly, `arn:aws:inspector2:us-west-2:${account}:finding/${'1'.repeat(32)}`], server.url);
      assert.equal(fromCli.findingDetails[0].epssScore, 0.03);
      assert.equal(fromCli.errors[0].errorCode, 'FINDING_DETAILS_NOT_FOUND');
    });
  });
}
