// Every real-world report in ../shared/fixtures/{trivy,trivy-operator,grype,cyclonedx,sarif,inspector2}, read by its
// pure parser. The expected counts were worked out by reading each file (one finding per distinct
// vulnerability, package and installed version), not by running the parser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formats } from '../src/ingest/formats.ts';
import type { FindingsReport } from '../src/domain/findings.ts';
import { resourceIdOf } from '../src/domain/images.ts';
import { IngestRejection } from '../src/ingest/ingest-rejection.ts';
import { JsonReader } from '../src/ingest/json-reader.ts';
import { readJsonDocuments } from '../src/ingest/json-documents.ts';
import type { ParseContext } from '../src/ingest/parse-result.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';

const digestA = `sha256:${'a'.repeat(64)}`;
const context: ParseContext = { accountId: '111122223333', region: 'us-west-2', now: Date.parse('2026-11-21T12:00:00Z') };
const withImage: ParseContext = { ...context, image: `ghcr.io/acme/app:1@${digestA}` };

type Counts = { CRITICAL?: number; HIGH?: number; MEDIUM?: number; LOW?: number; INFORMATIONAL?: number; UNTRIAGED?: number };

function parse(path: string, ctx: ParseContext) {
  const documents = readJsonDocuments(readFixture(sharedFixture(path)));
  const format = formats.find((f) => f.detect(documents[0].value));
  assert.ok(format, `${path} is recognised`);
  return { format: format.name, ...format.parse(documents, ctx) };
}

function severityCounts(reports: FindingsReport[], activeOnly = true): Counts {
  const counts: Record<string, number> = {};
  for (const f of reports.flatMap((r) => r.findings)) if (f.active || !activeOnly) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

// [file, format, source, counts of active findings by severity, context]
const cases: [string, string, string, Counts, ParseContext][] = [
  ['trivy/all_statuses.json', 'trivy', 'trivy', { LOW: 8 }, withImage],
  ['trivy/alpine-39.json', 'trivy', 'trivy', { CRITICAL: 2, MEDIUM: 4 }, withImage],
  ['trivy/debian-buster.json', 'trivy', 'trivy', { CRITICAL: 1, LOW: 1 }, withImage],
  // UNKNOWN with no CVSS is untriaged; GMS-2022-20 is listed three times for one package and version.
  ['trivy/gomod.json', 'trivy', 'trivy', { MEDIUM: 1, UNTRIAGED: 2 }, withImage],
  ['trivy/mariner-1.0.json', 'trivy', 'trivy', { HIGH: 1, LOW: 1 }, withImage],
  ['trivy/no_vuln.json', 'trivy', 'trivy', {}, withImage],
  ['trivy/scheme_2_many_vulns.json', 'trivy', 'trivy', { CRITICAL: 1, HIGH: 1, MEDIUM: 3 }, withImage],
  ['grype/presenter-image.json', 'grype', 'grype', { CRITICAL: 1, LOW: 1 }, context],
  // Negligible is informational; Django 3.2.9 is matched twice for one vulnerability: 6 matches, 5 findings.
  ['grype/check_all_fields.json', 'grype', 'grype', { CRITICAL: 2, HIGH: 2, INFORMATIONAL: 1 }, context],
  ['grype/many_vulns.json', 'grype', 'grype', { CRITICAL: 1, HIGH: 10, MEDIUM: 2, LOW: 2 }, context],
  ['grype/no_vuln.json', 'grype', 'grype', {}, context],
  // EPSS and KEV ratings carry no severity; the labelled CVSS rating decides (low despite 8.2).
  ['cyclonedx/grype-image.cdx.json', 'cyclonedx', 'grype', { CRITICAL: 1, LOW: 1 }, context],
  // Only a CVSS v3 score of 10.0: critical.
  ['cyclonedx/no-severity.cdx.json', 'cyclonedx', 'cyclonedx', { CRITICAL: 1 }, withImage],
  ['cyclonedx/spec-valid-vulnerability-1.6.json', 'cyclonedx', 'cyclonedx', { CRITICAL: 1 }, withImage],
  ['cyclonedx/trivy-centos-7-novulns.cdx.json', 'cyclonedx', 'trivy', {}, withImage],
  // Four ratings per vulnerability (ghsa, nvd v2, nvd v3.1, redhat): the worst label wins.
  ['cyclonedx/trivy-pom.cdx.json', 'cyclonedx', 'trivy', { CRITICAL: 1, HIGH: 1 }, withImage],
  // level "note" with security-severity 8.2: Grype's own label (low) wins.
  ['sarif/grype-image.sarif', 'sarif', 'grype', { CRITICAL: 1, LOW: 1 }, withImage],
  ['sarif/trivy-alpine-310.sarif', 'sarif', 'trivy', { MEDIUM: 4 }, withImage],
  // 7 ECR findings, one CLOSED; CVE-2022-29824 affects libxml2 2.9.4+dfsg1 in two releases (7 and
  // 7+b3): two installed versions, two findings. The EC2 finding is skipped.
  ['inspector2/list-findings-many.json', 'inspector2', 'inspector2', { HIGH: 2, MEDIUM: 3, UNTRIAGED: 2 }, context],
  ['inspector2/list-findings-one.json', 'inspector2', 'inspector2', { MEDIUM: 1 }, context],
  ['inspector2/list-findings-zero.json', 'inspector2', 'inspector2', {}, context],
  // The only operator report with a digest; counted from `vulnerabilities` (the summary agrees).
  ['trivy-operator/vulnerabilityreport_extended.json', 'trivy-operator', 'trivy-operator', { MEDIUM: 5 }, context],
  // A ConfigAuditReport and the same VulnerabilityReport in one bare array.
  ['trivy-operator/findings_in_list.json', 'trivy-operator', 'trivy-operator', { MEDIUM: 5 }, context],
  // No digest: named by --image, as `imagescope watch kubernetes` names it from the workload's pods.
  ['trivy-operator/vulnerabilityreport_many.json', 'trivy-operator', 'trivy-operator', { CRITICAL: 2, HIGH: 3, MEDIUM: 25, LOW: 11 }, withImage],
  ['trivy-operator/vulnerabilityreport_single_vuln.json', 'trivy-operator', 'trivy-operator', { CRITICAL: 1 }, withImage],
  ['trivy-operator/vulnerabilityreport_no_vuln.json', 'trivy-operator', 'trivy-operator', {}, withImage],
  ['ecr/describe-image-scan-findings-basic.json', 'ecr', 'ecr', { MEDIUM: 1 }, context],
  // Enhanced scanning: Inspector's findings, one UNTRIAGED (score 0.0, no details).
  ['ecr/describe-image-scan-findings-enhanced.json', 'ecr', 'ecr', { MEDIUM: 1, UNTRIAGED: 1 }, context],
];

describe('findings parsers on the real-world fixtures', () => {
  for (const [path, format, source, counts, ctx] of cases) {
    it(`${path}: ${JSON.stringify(counts)}`, () => {
      const result = parse(path, ctx);
      assert.equal(result.format, format);
      assert.deepEqual(severityCounts(result.findings!), counts);
      for (const report of result.findings!) assert.equal(report.source, source);
    });
  }

  it('keys Grype reports on the registry digest, else the manifest digest with the tag', () => {
    assert.deepEqual(parse('grype/many_vulns.json', context).images.map(resourceIdOf), [
      'arn:aws:ecr:us-west-2:111122223333:repository/docker.io/library/busybox/sha256:ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7',
    ]);
    assert.deepEqual(parse('grype/check_all_fields.json', context).images.map(resourceIdOf), [
      'arn:aws:ecr:us-west-2:111122223333:repository/docker.io/library/vulnerable-image/sha256:9d8825ab20ac86b40eb71495bece1608a302fb180384740697a28c2b0a5a0fc6',
    ]);
    assert.deepEqual(parse('cyclonedx/grype-image.cdx.json', context).images.map(resourceIdOf), [
      'arn:aws:ecr:us-west-2:111122223333:repository/docker.io/library/user-input/sha256:ca738abb87a8d58f112d3400ebb079b61ceae7dc290beb34bda735be4b1941d5',
    ]);
  });

  it('keys Inspector2 findings on their ECR resource, keeps CLOSED ones inactive and skips EC2', () => {
    const result = parse('inspector2/list-findings-many.json', context);
    assert.deepEqual(result.images.map(resourceIdOf), [
      'arn:aws:ecr:us-east-1:012345678901:repository/my-awesome-docker-image/sha256:d667ad018b538adadb5bd1db75836c8561b23bc7d31d9cd8941fa74f5df93802',
    ]);
    assert.equal(result.findings![0].mode, 'incremental');
    assert.deepEqual(severityCounts(result.findings!, false), { HIGH: 2, MEDIUM: 4, UNTRIAGED: 2 });
    assert.deepEqual(result.skipped, [{ path: '$.findings[7]', reason: 'resource AWS_EC2_INSTANCE is not a container image' }]);
  });

  it('never keys Trivy on ImageID, and says how to name the image when RepoDigests is empty', () => {
    for (const path of ['trivy/all_statuses.json', 'trivy/alpine-39.json', 'trivy/gomod.json']) {
      assert.throws(() => parse(path, context), (error: IngestRejection) => {
        assert.ok(error instanceof IngestRejection);
        assert.equal(error.path, '$.Metadata.RepoDigests');
        assert.match(error.reason, /names no manifest digest for the image: pass --image <repository>\[:tag\]@sha256:<digest>/);
        return true;
      });
    }
  });

  it('keys trivy-operator reports on report.artifact.digest in the registry and repository the report names', () => {
    const result = parse('trivy-operator/findings_in_list.json', context);
    assert.deepEqual(result.images.map(resourceIdOf), [
      'arn:aws:ecr:us-west-2:111122223333:repository/docker.io/library/ubuntu/sha256:f78909c2b360d866b3220655c0b079838258b8891a12ac25fc670f0cbb54229f',
    ]);
    assert.deepEqual(result.findings![0].tags, ['20.04']);
    assert.equal(result.findings![0].reportTime, Date.parse('2024-01-23T13:43:55Z'));
    assert.deepEqual(result.skipped, [{ path: '$[0]', reason: 'a ConfigAuditReport holds no image vulnerabilities' }]);
  });

  it('rejects a lone trivy-operator report without a digest, skips one in a list, and refuses --image for many', () => {
    assert.throws(() => parse('trivy-operator/vulnerabilityreport_many.json', context), (error: IngestRejection) => {
      assert.equal(error.path, '$.report.artifact.digest');
      assert.match(error.reason, /names no manifest digest for the image: pass --image/);
      return true;
    });
    const many = JSON.parse(readFixture(sharedFixture('trivy-operator/vulnerabilityreport_many.json')));
    const extended = JSON.parse(readFixture(sharedFixture('trivy-operator/vulnerabilityreport_extended.json')));
    const list = { apiVersion: 'v1', kind: 'List', items: [many, extended] };
    const format = formats.find((f) => f.detect(list))!;
    assert.equal(format.name, 'trivy-operator', 'a kubectl List of reports is not taken for pods');
    const result = format.parse([{ value: list, path: '$' }], context);
    assert.equal(result.findings!.length, 1);
    assert.equal(result.skipped.length, 1);
    assert.equal(result.skipped[0].path, '$.items[0].report.artifact.digest');
    assert.throws(() => format.parse([{ value: list, path: '$' }], withImage), /--image names one image, but this input holds 2 VulnerabilityReports/);
  });

  it('keys ECR scans on imageId, else on the digest its enhanced findings name, and records a failed scan as a status', () => {
    assert.deepEqual(parse('ecr/describe-image-scan-findings-basic.json', context).images.map(resourceIdOf), [
      'arn:aws:ecr:us-west-2:123456789012:repository/sample-repo/sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6',
    ]);
    // imageId names only a tag: the digest comes from the findings' image resource, the region from its id.
    assert.deepEqual(parse('ecr/describe-image-scan-findings-enhanced.json', { ...context, region: undefined }).images.map(resourceIdOf), [
      'arn:aws:ecr:eu-west-1:123456789012:repository/reponame/sha256:9c7d02b8b260fa42b14a85cc1221f942f2029b5bf1132fc300ec479273406f5d',
    ]);
    const failed = JSON.parse(readFixture(sharedFixture('ecr/describe-image-scan-findings-basic.json')));
    failed.imageScanStatus = { status: 'FAILED', description: 'UnsupportedImageError: The operating system and/or package manager are not supported.' };
    delete failed.imageScanFindings;
    const ecr = formats.find((f) => f.name === 'ecr')!;
    const result = ecr.parse([{ value: failed, path: '$' }], context);
    assert.equal(result.findings!.length, 0);
    assert.deepEqual(result.scanFailures!.map((f) => [f.source, f.reason, f.detail]), [['ecr', 'UNSUPPORTED_OS', 'FAILED: UnsupportedImageError: The operating system and/or package manager are not supported.']]);
    failed.imageScanStatus = { status: 'COMPLETE' };
    failed.imageScanFindings = { findings: [{ severity: 'HIGH' }] };
    assert.throws(() => ecr.parse([{ value: failed, path: '$' }], context), /\$\.imageScanFindings\.findings\[0\]\.name: required string is missing/);
  });

  it('reads imagescope ImageScanStatus records, and rejects one whose reason is no ScanStatusReason', () => {
    const format = formats.find((f) => f.detect({ kind: 'ImageScanStatus' }))!;
    assert.equal(format.name, 'scan-status');
    const record = { kind: 'ImageScanStatus', image: `ghcr.io/acme/app@${digestA}`, source: 'trivy', reason: 'ACCESS_DENIED', detail: 'trivy: exit code 1: UNAUTHORIZED', time: '2026-12-01T00:00:00Z' };
    const [failure] = format.parse([{ value: record, path: '$' }], context).scanFailures!;
    assert.deepEqual(failure, { image: { repository: 'arn:aws:ecr:us-west-2:111122223333:repository/ghcr.io/acme/app', digest: digestA }, source: 'trivy', reason: 'ACCESS_DENIED', detail: 'trivy: exit code 1: UNAUTHORIZED', at: Date.parse('2026-12-01T00:00:00Z') });
    assert.throws(() => format.parse([{ value: { ...record, reason: 'BROKEN' }, path: '$' }], context), /\$\.reason: must be one of PENDING_INITIAL_SCAN, ACCESS_DENIED/);
  });

  it('rejects legacy bare-array Trivy output clearly', () => {
    assert.throws(() => parse('trivy/legacy_array.json', withImage), /legacy Trivy output \(before 0\.20: a bare array of results\)/);
  });

  it('reads the same scan alike from Grype JSON, CycloneDX and SARIF', () => {
    const keys = (path: string) =>
      parse(path, withImage)
        .findings!.flatMap((r) => r.findings)
        .map((f) => `${f.vulnerabilityId} ${f.packageName} ${f.packageVersion} ${f.severity}`)
        .sort();
    const expected = ['CVE-1999-0001 package-1 1.1.1 LOW', 'CVE-1999-0002 package-2 2.2.2 CRITICAL'];
    assert.deepEqual(keys('grype/presenter-image.json'), expected);
    assert.deepEqual(keys('cyclonedx/grype-image.cdx.json'), expected);
    assert.deepEqual(keys('sarif/grype-image.sarif'), expected);
  });

  it('reads package and installed version from Trivy SARIF messages', () => {
    const findings = parse('sarif/trivy-alpine-310.sarif', withImage).findings![0].findings;
    assert.deepEqual(findings.map((f) => `${f.vulnerabilityId} ${f.packageName} ${f.packageVersion}`).sort(), [
      'CVE-2019-1549 libcrypto1.1 1.1.1c-r0',
      'CVE-2019-1549 libssl1.1 1.1.1c-r0',
      'CVE-2019-1551 libcrypto1.1 1.1.1c-r0',
      'CVE-2019-1551 libssl1.1 1.1.1c-r0',
    ]);
  });

  it('reads the version that fixes a finding where the format names one', () => {
    const fixes = (path: string, ctx = withImage) =>
      parse(path, ctx).findings!.flatMap((r) => r.findings).map((f) => `${f.vulnerabilityId} ${f.packageName} ${f.fixedVersion ?? '-'}`).sort();
    assert.deepEqual(fixes('trivy/alpine-39.json'), [
      'CVE-2019-14697 musl 1.1.20-r5', 'CVE-2019-14697 musl-utils 1.1.20-r5', 'CVE-2019-1549 libcrypto1.1 1.1.1d-r0',
      'CVE-2019-1549 libssl1.1 1.1.1d-r0', 'CVE-2019-1551 libcrypto1.1 1.1.1d-r2', 'CVE-2019-1551 libssl1.1 1.1.1d-r2',
    ]);
    assert.deepEqual(fixes('sarif/trivy-alpine-310.sarif'), [
      'CVE-2019-1549 libcrypto1.1 1.1.1d-r0', 'CVE-2019-1549 libssl1.1 1.1.1d-r0', 'CVE-2019-1551 libcrypto1.1 1.1.1d-r2', 'CVE-2019-1551 libssl1.1 1.1.1d-r2',
    ]);
    assert.deepEqual(fixes('inspector2/list-findings-one.json', context), ['CVE-2021-3744 linux 0:4.19.232-1']);
    // Trivy's CycloneDX says it in the recommendation; Grype in fix.versions (one of 15 matches has one).
    assert.ok(fixes('cyclonedx/trivy-pom.cdx.json').includes('CVE-2020-9548 com.fasterxml.jackson.core/jackson-databind 2.9.10.4'));
    assert.deepEqual(fixes('grype/many_vulns.json').filter((line) => !line.endsWith(' -')), ['CVE-2021-42376 busybox 1.34.0']);
    // "Upgrade ... to version 2.6.7.5, 2.8.11.1, 2.9.5 or higher.": every version, nothing after them.
    assert.deepEqual(fixes('cyclonedx/spec-valid-vulnerability-1.6.json'), ['SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111 com.fasterxml.jackson.core/jackson-databind 2.6.7.5, 2.8.11.1, 2.9.5']);
  });

  it('reads a time that names no zone as UTC, on a machine in any zone', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      assert.equal(new Date(2021, 11, 3).getTimezoneOffset(), 300, 'the process now runs five hours behind UTC');
      const times = JsonReader.of({ sample: 'Dec 3, 2021, 6:02:30 PM', iso: '2021-12-03T18:02:30', zoned: '2021-12-03T19:02:30+01:00', date: '2021-12-03' }, '$');
      assert.equal(times.optionalTime('sample'), Date.UTC(2021, 11, 3, 18, 2, 30), "AWS's EventBridge sample");
      assert.equal(times.optionalTime('iso'), Date.UTC(2021, 11, 3, 18, 2, 30));
      assert.equal(times.optionalTime('zoned'), Date.UTC(2021, 11, 3, 18, 2, 30), 'a named zone is kept');
      assert.equal(times.optionalTime('date'), Date.UTC(2021, 11, 3));
      assert.throws(() => JsonReader.of({ t: 'soon' }, '$').optionalTime('t'), /'soon' is not an ISO-8601 timestamp/);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});
