// Proves the ECR API double against the real @aws-sdk/client-ecr, so tests that read scan findings from
// "ECR" through it exercise the same serialization, pagination, retries and typed errors they would
// against AWS. The real responses in ../shared/fixtures/ecr are read in place and must survive the trip.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  DescribeImageScanFindingsCommand, DescribeRepositoriesCommand, ECRClient, ECRServiceException, ImageNotFoundException,
  InvalidParameterException, paginateDescribeImageScanFindings, RepositoryNotFoundException, ScanNotFoundException, ServerException,
  type DescribeImageScanFindingsCommandOutput,
} from '@aws-sdk/client-ecr';
import { startEcrApiDouble, type EcrApiDouble } from './doubles/ecr-api.ts';
import { sharedFixture } from './helpers/fixtures.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const readJson = (path: string) => JSON.parse(readFileSync(sharedFixture(path), 'utf8'));

const basicFinding = (i: number) => ({
  name: `CVE-2024-${1000 + i}`, description: `basic ${i}`, uri: `https://cve.example/${i}`, severity: i % 2 ? 'HIGH' : 'LOW',
  attributes: [{ key: 'package_name', value: `pkg${i}` }, { key: 'package_version', value: `1.${i}` }],
});
const enhancedFinding = (i: number) => ({
  awsAccountId: '111122223333', findingArn: `arn:aws:inspector2:us-east-1:111122223333:finding/${String(i).padStart(32, '0')}`,
  packageVulnerabilityDetails: { vulnerabilityId: `CVE-2025-${2000 + i}`, source: 'NVD', vulnerablePackages: [{ name: `lib${i}`, version: '2.0' }] },
  severity: 'CRITICAL', status: 'ACTIVE', title: `CVE-2025-${2000 + i} - lib${i}`, type: 'PACKAGE_VULNERABILITY', score: 9.8,
});

describe('ECR API double', () => {
  let double: EcrApiDouble;
  const ecr = (region: string, maxAttempts = 1) => new ECRClient({ endpoint: double.url, region, credentials, maxAttempts });

  before(async () => {
    double = await startEcrApiDouble();
  });
  after(() => double.close());

  async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const page of pages) out.push(page);
    return out;
  }

  async function rejection(promise: Promise<unknown>): Promise<any> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    assert.fail('expected the call to fail');
  }

  it('pages basic then enhanced findings as one sequence, the summary on every page', async () => {
    const basic = [0, 1, 2, 3, 4].map(basicFinding);
    const enhanced = [0, 1, 2, 3].map(enhancedFinding);
    double.putImage('paging/app', { digest: digest('a'), tags: ['v1'], region: 'eu-west-1' });
    double.setScan('paging/app', digest('a'), { status: 'COMPLETE', findings: basic, enhancedFindings: enhanced }, 'eu-west-1');
    const client = ecr('eu-west-1');
    // A fresh input each time: the SDK's paginator writes nextToken and maxResults into the one it is given.
    const input = () => ({ repositoryName: 'paging/app', imageId: { imageDigest: digest('a') } });

    const pages = await collect(paginateDescribeImageScanFindings({ client, pageSize: 4 }, input()));
    assert.deepEqual(pages.map((p) => [p.imageScanFindings?.findings?.length, p.imageScanFindings?.enhancedFindings?.length]), [[4, 0], [1, 3], [0, 1]]);
    assert.deepEqual(pages.flatMap((p) => p.imageScanFindings!.findings!), basic);
    assert.deepEqual(pages.flatMap((p) => p.imageScanFindings!.enhancedFindings!), enhanced);
    for (const page of pages) assert.deepEqual(page.imageScanFindings!.findingSeverityCounts, { LOW: 3, HIGH: 2, CRITICAL: 4 });
    assert.equal(pages.at(-1)!.nextToken, undefined);
    assert.deepEqual(double.calls.slice(-3).map((c) => [c.region, c.input.maxResults]), [['eu-west-1', 4], ['eu-west-1', 4], ['eu-west-1', 4]]);

    // The server's own cap pages too.
    double.setPageSize(2);
    const capped = await collect(paginateDescribeImageScanFindings({ client }, input()));
    double.setPageSize(1000);
    assert.equal(capped.length, 5);
    assert.equal(double.calls.at(-1)!.input.maxResults, undefined);
    assert.deepEqual(capped.flatMap((p) => [...p.imageScanFindings!.findings!, ...p.imageScanFindings!.enhancedFindings!]), [...basic, ...enhanced]);

    // Without maxResults a page holds up to 100, as the model documents.
    double.putImage('paging/big', { digest: digest('9'), region: 'eu-west-1' });
    double.setScan('paging/big', digest('9'), { status: 'COMPLETE', findings: Array.from({ length: 150 }, (_, i) => basicFinding(i)) }, 'eu-west-1');
    const big = await client.send(new DescribeImageScanFindingsCommand({ repositoryName: 'paging/big', imageId: { imageDigest: digest('9') } }));
    assert.equal(big.imageScanFindings!.findings!.length, 100);
    assert.ok(big.nextToken);

    await assert.rejects(client.send(new DescribeImageScanFindingsCommand({ ...input(), maxResults: 1001 })), (error: any) => error instanceof InvalidParameterException
      && error.message === "Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value less than or equal to 1000'");
    await assert.rejects(client.send(new DescribeImageScanFindingsCommand({ ...input(), nextToken: 'forged' })), InvalidParameterException);
  });

  it('sends timestamps as epoch seconds that the SDK turns into Dates', async () => {
    double.putImage('dates', { digest: digest('b'), region: 'us-west-2' });
    double.setScan('dates', digest('b'), {
      status: 'ACTIVE', completedAt: new Date('2026-03-01T10:00:00.250Z'), vulnerabilitySourceUpdatedAt: 1772359200.5,
      enhancedFindings: [{
        ...enhancedFinding(9), firstObservedAt: '2026-02-01T00:00:00Z', lastObservedAt: 1772359200, updatedAt: new Date('2026-03-01T09:00:00Z'),
        packageVulnerabilityDetails: { vulnerabilityId: 'CVE-2026-1', vendorCreatedAt: '2026-01-15T12:00:00Z' },
        resources: [{ id: 'r', type: 'AWS_ECR_CONTAINER_IMAGE', details: { awsEcrContainerImage: { imageHash: digest('b'), pushedAt: 1769904000 } } }],
      }],
    }, 'us-west-2');
    const out = await ecr('us-west-2').send(new DescribeImageScanFindingsCommand({ repositoryName: 'dates', imageId: { imageDigest: digest('b') } }));
    const findings = out.imageScanFindings!;
    assert.ok(findings.imageScanCompletedAt instanceof Date);
    assert.equal(findings.imageScanCompletedAt.toISOString(), '2026-03-01T10:00:00.250Z');
    assert.ok(findings.vulnerabilitySourceUpdatedAt instanceof Date);
    assert.equal(findings.vulnerabilitySourceUpdatedAt.getTime(), 1772359200500);
    const [finding] = findings.enhancedFindings!;
    assert.ok(finding.firstObservedAt instanceof Date && finding.lastObservedAt instanceof Date && finding.updatedAt instanceof Date);
    assert.equal(finding.firstObservedAt.toISOString(), '2026-02-01T00:00:00.000Z');
    assert.equal(finding.lastObservedAt.getTime(), 1772359200000);
    assert.equal(finding.packageVulnerabilityDetails!.vendorCreatedAt?.toISOString(), '2026-01-15T12:00:00.000Z');
    assert.equal(finding.resources![0].details!.awsEcrContainerImage!.pushedAt?.getTime(), 1769904000000);
    assert.equal(out.imageScanStatus!.description, 'Continuous scan is selected for image.');
    assert.equal(out.registryId, '111122223333');

    // On the wire they are numbers (the SDK would also parse strings), with ECR's headers.
    const raw = await fetch(double.url, {
      method: 'POST',
      headers: {
        'X-Amz-Target': 'AmazonEC2ContainerRegistry_V20150921.DescribeImageScanFindings', 'Content-Type': 'application/x-amz-json-1.1',
        Authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/us-west-2/ecr/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: JSON.stringify({ repositoryName: 'dates', imageId: { imageDigest: digest('b') } }),
    });
    const body = await raw.json();
    assert.equal(raw.headers.get('content-type'), 'application/x-amz-json-1.1');
    assert.match(raw.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(body.imageScanFindings.imageScanCompletedAt, 1772359200.25);
    assert.equal(body.imageScanFindings.vulnerabilitySourceUpdatedAt, 1772359200.5);
    assert.equal(body.imageScanFindings.enhancedFindings[0].firstObservedAt, 1769904000);
  });

  it('reports IN_PROGRESS, then COMPLETE with findings, for an image asked for by tag', async () => {
    double.putImage('progress', { digest: digest('c'), tags: ['latest'] });
    double.setScan('progress', digest('c'), { status: 'IN_PROGRESS' });
    const client = ecr('us-east-1');
    const input = { repositoryName: 'progress', imageId: { imageTag: 'latest' } };
    const running = await client.send(new DescribeImageScanFindingsCommand(input));
    assert.deepEqual(running.imageScanStatus, { status: 'IN_PROGRESS' });
    assert.equal(running.imageScanFindings, undefined);
    assert.deepEqual(running.imageId, { imageDigest: digest('c'), imageTag: 'latest' });

    double.setScan('progress', digest('c'), { status: 'COMPLETE', completedAt: new Date('2026-03-02T00:00:00Z'), findings: [basicFinding(1)] });
    const done = await client.send(new DescribeImageScanFindingsCommand(input));
    assert.deepEqual(done.imageScanStatus, { status: 'COMPLETE', description: 'The scan was completed successfully.' });
    assert.deepEqual(done.imageScanFindings!.findings, [basicFinding(1)]);
    assert.deepEqual(done.imageScanFindings!.findingSeverityCounts, { HIGH: 1 });
    assert.equal(done.imageScanFindings!.imageScanCompletedAt?.toISOString(), '2026-03-02T00:00:00.000Z');

    // A clean scan still lists its (empty) findings, as ECR does.
    double.setScan('progress', digest('c'), { status: 'COMPLETE' });
    const clean = await client.send(new DescribeImageScanFindingsCommand(input));
    assert.deepEqual(clean.imageScanFindings, { findings: [] });
  });

  it('reports FAILED with its description', async () => {
    double.putImage('failing', { digest: digest('d'), region: 'ap-northeast-1' });
    const description = "UnsupportedImageError: The operating system and/or package manager are not supported.";
    double.setScan('failing', digest('d'), { status: 'FAILED', description }, 'ap-northeast-1');
    const out = await ecr('ap-northeast-1').send(new DescribeImageScanFindingsCommand({ repositoryName: 'failing', imageId: { imageDigest: digest('d') } }));
    assert.deepEqual(out.imageScanStatus, { status: 'FAILED', description });
    assert.equal(out.imageScanFindings, undefined);
  });

  it('answers missing scans, images and repositories with the typed exceptions and ECR wording', async () => {
    double.putImage('lookups', { digest: digest('e'), tags: ['v2'], region: 'eu-central-1' });
    double.setScan('lookups', digest('e'), { status: 'COMPLETE' }, 'eu-central-1');
    double.clearScan('lookups', digest('e'), 'eu-central-1');
    const client = ecr('eu-central-1');
    const where = "in the repository with name 'lookups' in the registry with id '111122223333'";

    const noScan = await rejection(client.send(new DescribeImageScanFindingsCommand({ repositoryName: 'lookups', imageId: { imageDigest: digest('e') } })));
    assert.ok(noScan instanceof ScanNotFoundException);
    assert.equal(noScan.message, `Image scan does not exist for the image with '{imageDigest:'${digest('e')}', imageTag:'null'}' ${where}`);
    assert.equal(noScan.$metadata.httpStatusCode, 400);

    const noImage = await rejection(client.send(new DescribeImageScanFindingsCommand({ repositoryName: 'lookups', imageId: { imageTag: 'v3' } })));
    assert.ok(noImage instanceof ImageNotFoundException);
    assert.equal(noImage.message, "The image with imageId {imageDigest:'null', imageTag:'v3'} does not exist within the repository with name 'lookups' in the registry with id '111122223333'");
    await assert.rejects(client.send(new DescribeImageScanFindingsCommand({ repositoryName: 'lookups', imageId: { imageDigest: digest('f') } })), ImageNotFoundException);

    const noRepository = await rejection(client.send(new DescribeImageScanFindingsCommand({ repositoryName: 'nothing-here', imageId: { imageTag: 'v2' } })));
    assert.ok(noRepository instanceof RepositoryNotFoundException);
    assert.equal(noRepository.message, "The repository with name 'nothing-here' does not exist in the registry with id '111122223333'");

    // Repositories are per region and per registry.
    await assert.rejects(ecr('us-east-2').send(new DescribeImageScanFindingsCommand({ repositoryName: 'lookups', imageId: { imageTag: 'v2' } })), RepositoryNotFoundException);
    await assert.rejects(client.send(new DescribeImageScanFindingsCommand({ registryId: '999999999999', repositoryName: 'lookups', imageId: { imageTag: 'v2' } })),
      { name: 'RepositoryNotFoundException', message: "The repository with name 'lookups' does not exist in the registry with id '999999999999'" });

    // Anything else is not emulated.
    await assert.rejects(client.send(new DescribeRepositoriesCommand({})), (error: any) => error instanceof ECRServiceException && error.name === 'UnknownOperationException');
  });

  it('surfaces throttling with one attempt, and the SDK retries through it', async () => {
    double.putImage('throttled', { digest: digest('1'), region: 'us-east-2' });
    double.setScan('throttled', digest('1'), { status: 'COMPLETE', findings: [basicFinding(2)] }, 'us-east-2');
    const input = { repositoryName: 'throttled', imageId: { imageDigest: digest('1') } };
    double.injectError({ operation: 'DescribeImageScanFindings', repositoryName: 'throttled' }, 'ThrottlingException');
    await assert.rejects(ecr('us-east-2').send(new DescribeImageScanFindingsCommand(input)), (error: any) => {
      assert.ok(error instanceof ECRServiceException);
      assert.equal(error.name, 'ThrottlingException');
      assert.equal(error.message, 'Rate exceeded');
      assert.equal(error.$metadata.httpStatusCode, 400);
      return true;
    });

    double.injectError({ operation: 'DescribeImageScanFindings', region: 'us-east-2' }, 'ThrottlingException');
    const before = double.calls.length;
    const out = await ecr('us-east-2', 2).send(new DescribeImageScanFindingsCommand(input));
    assert.deepEqual(out.imageScanFindings!.findings, [basicFinding(2)]);
    assert.equal(out.$metadata.attempts, 2);
    assert.equal(double.calls.length - before, 2);
  });

  it('denies access with the message IAM words, without retries, and fails with ServerException', async () => {
    double.putImage('locked', { digest: digest('2'), region: 'eu-west-3' });
    double.injectError({ operation: 'DescribeImageScanFindings', repositoryName: 'locked', region: 'eu-west-3' }, 'AccessDeniedException');
    const before = double.calls.length;
    const denied = await rejection(ecr('eu-west-3', 3).send(new DescribeImageScanFindingsCommand({ repositoryName: 'locked', imageId: { imageDigest: digest('2') } })));
    assert.ok(denied instanceof ECRServiceException);
    assert.equal(denied.name, 'AccessDeniedException');
    assert.equal(denied.message, 'User: arn:aws:iam::111122223333:user/imagescope is not authorized to perform: ecr:DescribeImageScanFindings on resource: '
      + 'arn:aws:ecr:eu-west-3:111122223333:repository/locked because no identity-based policy allows the ecr:DescribeImageScanFindings action');
    assert.equal(double.calls.length - before, 1);

    double.injectError({ operation: 'DescribeImageScanFindings', region: 'eu-west-3' }, 'ServerException');
    const failed = await rejection(ecr('eu-west-3').send(new DescribeImageScanFindingsCommand({ repositoryName: 'locked', imageId: { imageDigest: digest('2') } })));
    assert.ok(failed instanceof ServerException);
    assert.equal(failed.$metadata.httpStatusCode, 500);
  });

  it('returns the real responses in ../shared/fixtures/ecr intact through the SDK', async () => {
    const enhanced = readJson('ecr/describe-image-scan-findings-enhanced.json');
    const basic = readJson('ecr/describe-image-scan-findings-basic.json');
    const registry = await startEcrApiDouble({ accountId: enhanced.registryId });
    try {
      const client = new ECRClient({ endpoint: registry.url, region: 'eu-west-1', credentials, maxAttempts: 1 });
      const imageHash = enhanced.imageScanFindings.enhancedFindings[0].resources[0].details.awsEcrContainerImage.imageHash;
      registry.putImage(enhanced.repositoryName, { digest: imageHash, tags: [enhanced.imageId.imageTag], region: 'eu-west-1' });
      registry.setScan(enhanced.repositoryName, imageHash, {
        ...enhanced.imageScanStatus, enhancedFindings: enhanced.imageScanFindings.enhancedFindings, severityCounts: enhanced.imageScanFindings.findingSeverityCounts,
      }, 'eu-west-1');
      const out = await client.send(new DescribeImageScanFindingsCommand({ repositoryName: enhanced.repositoryName, imageId: enhanced.imageId }));
      assert.deepEqual(withoutMetadata(out), { ...enhanced, imageId: { imageDigest: imageHash, ...enhanced.imageId } });

      const { imageDigest } = basic.imageId;
      registry.putImage(basic.repositoryName, { digest: imageDigest, region: 'eu-west-1' });
      const { findings, imageScanCompletedAt, vulnerabilitySourceUpdatedAt } = basic.imageScanFindings;
      registry.setScan(basic.repositoryName, imageDigest, { ...basic.imageScanStatus, findings, completedAt: imageScanCompletedAt, vulnerabilitySourceUpdatedAt }, 'eu-west-1');
      const plain = await client.send(new DescribeImageScanFindingsCommand({ repositoryName: basic.repositoryName, imageId: basic.imageId }));
      assert.deepEqual(withoutMetadata(plain), {
        ...basic,
        imageScanFindings: { ...basic.imageScanFindings, imageScanCompletedAt: new Date(imageScanCompletedAt * 1000), vulnerabilitySourceUpdatedAt: new Date(vulnerabilitySourceUpdatedAt * 1000) },
      });
    } finally {
      await registry.close();
    }
  });
});

function withoutMetadata({ $metadata, ...rest }: DescribeImageScanFindingsCommandOutput): object {
  assert.ok($metadata.requestId, 'the x-amzn-RequestId header reaches the SDK');
  return rest;
}
