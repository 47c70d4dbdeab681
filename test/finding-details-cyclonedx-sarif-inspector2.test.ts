// What the CycloneDX, SARIF and Inspector2 parsers keep about each finding beyond its key: where the
// package is, what the report says about the vulnerability, and an Inspector2 finding's own identity.
// The expected values were worked out by reading each fixture in ../shared/fixtures by hand; members a
// report does not give must stay undefined.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formats } from '../src/ingest/formats.ts';
import { vulnerabilityOf, type Finding } from '../src/domain/findings.ts';
import type { JsonDocument } from '../src/ingest/json-documents.ts';
import { readJsonDocuments } from '../src/ingest/json-documents.ts';
import type { ParseContext } from '../src/ingest/parse-result.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';

const digestA = `sha256:${'a'.repeat(64)}`;
const context: ParseContext = { accountId: '111122223333', region: 'us-west-2', now: Date.parse('2026-11-21T12:00:00Z') };
const withImage: ParseContext = { ...context, image: `ghcr.io/acme/app:1@${digestA}` };

function findingsOf(documents: JsonDocument[], ctx: ParseContext): Finding[] {
  const format = formats.find((f) => f.detect(documents[0].value));
  assert.ok(format, 'the document is recognised');
  return format.parse(documents, ctx).findings!.flatMap((r) => r.findings);
}

function parseFixture(path: string, ctx = withImage): Finding[] {
  return findingsOf(readJsonDocuments(readFixture(sharedFixture(path))), ctx);
}

/** A fixture as a value to change in memory (the fixture file itself is never copied or written). */
function fixtureValue(path: string): any {
  return JSON.parse(readFixture(sharedFixture(path)));
}

function one(findings: Finding[], vulnerabilityId: string, packageName?: string): Finding {
  const matches = findings.filter((f) => f.vulnerabilityId === vulnerabilityId && (packageName === undefined || f.packageName === packageName));
  assert.equal(matches.length, 1, `one finding ${vulnerabilityId} ${packageName ?? ''}`);
  return matches[0];
}

describe('CycloneDX finding details', () => {
  it("Trivy's BOM: every rating with a score and vector, the decisive source's v3 else NVD's, advisories, CWEs, dates", () => {
    const findings = parseFixture('cyclonedx/trivy-pom.cdx.json');
    const f = one(findings, 'CVE-2020-9548');
    assert.deepEqual(f.location, { packageManager: 'POM' }, "aquasecurity:trivy:PkgType pom; Trivy's BOM names no file or layer for it");
    const v = vulnerabilityOf(f)!;
    assert.equal(v.description, 'FasterXML jackson-databind 2.x before 2.9.10.4 mishandles the interaction between serialization gadgets and typing, related to br.com.anteros.dbcp.AnterosDBCPConfig (aka anteros-core).');
    assert.equal(v.title, undefined, 'CycloneDX has no title');
    assert.equal(v.source, 'ghsa');
    assert.equal(v.sourceUrl, 'https://github.com/advisories?query=type%3Areviewed+ecosystem%3Amaven');
    // The worst label is "critical", first given by ghsa, whose rating has no score: NVD's v3 is the primary.
    assert.equal(v.vendorSeverity, 'critical');
    assert.deepEqual(v.cvss, [
      { baseScore: 6.8, scoringVector: 'AV:N/AC:M/Au:N/C:P/I:P/A:P', version: '2.0', source: 'nvd' },
      { baseScore: 9.8, scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', version: '3.1', source: 'nvd' },
      { baseScore: 8.1, scoringVector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', version: '3.1', source: 'redhat' },
    ]);
    assert.deepEqual(v.primaryCvss, { baseScore: 9.8, scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', version: '3.1', source: 'nvd' });
    assert.deepEqual(v.cwes, ['CWE-502']);
    assert.equal(v.referenceUrls!.length, 20);
    assert.equal(v.referenceUrls![0], 'https://avd.aquasec.com/nvd/cve-2020-9548');
    assert.equal(v.referenceUrls![19], 'https://www.oracle.com/security-alerts/cpuoct2021.html');
    // No `created`: `published` is when it entered the record.
    assert.equal(v.vendorCreatedAt, Date.UTC(2020, 2, 2, 4, 15, 0));
    assert.equal(v.vendorUpdatedAt, Date.UTC(2021, 11, 2, 21, 23, 0));
    for (const absent of ['relatedVulnerabilities', 'epss', 'knownExploited'] as const) assert.equal(v[absent], undefined, absent);

    const other = vulnerabilityOf(one(findings, 'CVE-2021-20190'))!;
    assert.equal(other.source, 'glad');
    assert.equal(other.vendorSeverity, 'high');
    assert.deepEqual(other.primaryCvss, { baseScore: 8.1, scoringVector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H', version: '3.1', source: 'nvd' });
    assert.equal(other.referenceUrls!.length, 10);
  });

  it("Grype's BOM: Syft's path and package type, EPSS and KEV from `other` ratings, and no CvssScore where nothing names who scored it", () => {
    const findings = parseFixture('cyclonedx/grype-image.cdx.json');
    const first = one(findings, 'CVE-1999-0001');
    // No purl; syft:package:type rpm.
    assert.deepEqual(first.location, { filePath: '/foo/bar/somefile-1.txt', packageManager: 'OS' });
    assert.deepEqual(vulnerabilityOf(first), { source: 'grype', vendorSeverity: 'low', epss: 0.03 });
    const second = one(findings, 'CVE-1999-0002');
    assert.deepEqual(second.location, { filePath: '/foo/bar/somefile-2.txt', packageManager: 'OS' });
    // "CISA KEV Catalog" rating, score 1, no dates: known exploited, with nothing more to say.
    assert.deepEqual(vulnerabilityOf(second), { source: 'grype', vendorSeverity: 'critical', epss: 0.08, knownExploited: {} });
    // Both CVSSv31 ratings have a score and vector but no source, and the vulnerabilities' `source` is {}.
    for (const f of findings) {
      assert.equal(vulnerabilityOf(f)!.cvss, undefined);
      assert.equal(vulnerabilityOf(f)!.primaryCvss, undefined);
      assert.equal(vulnerabilityOf(f)!.relatedVulnerabilities, undefined, 'the only reference is the vulnerability itself');
    }
  });

  it('the spec example: related ids from references, advisory and reference URLs, numeric CWEs, `detail` "" ignored', () => {
    const f = one(parseFixture('cyclonedx/spec-valid-vulnerability-1.6.json'), 'SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111');
    const v = vulnerabilityOf(f)!;
    assert.match(v.description!, /^FasterXML jackson-databind before 2\.7\.9\.3, /);
    assert.equal(v.source, 'Snyk');
    assert.equal(v.sourceUrl, 'https://snyk.io/vuln/SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111');
    assert.deepEqual(v.relatedVulnerabilities, ['CVE-2018-7489']);
    assert.deepEqual(v.referenceUrls, [
      'https://github.com/FasterXML/jackson-databind/commit/6799f8f10cc78e9af6d443ed6982d00a13f2e7d2',
      'https://github.com/FasterXML/jackson-databind/issues/1931',
      'https://nvd.nist.gov/vuln/detail/CVE-2019-9997',
    ]);
    assert.deepEqual(v.cwes, ['CWE-184', 'CWE-502']);
    // Method CVSSv3 and a vector without a `CVSS:` prefix: version 3.0.
    const score = { baseScore: 9.8, scoringVector: 'AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', version: '3.0', source: 'NVD' };
    assert.deepEqual(v.cvss, [score]);
    assert.deepEqual(v.primaryCvss, score);
    assert.equal(v.vendorSeverity, 'critical');
    assert.equal(v.vendorCreatedAt, Date.UTC(2021, 0, 1));
    assert.equal(v.vendorUpdatedAt, Date.UTC(2021, 0, 1));
    assert.equal(f.location, undefined, 'a pkg:maven purl alone does not say pom or jar, and there are no properties');
  });

  it('a CVSSv3 rating whose vector says 3.1 is 3.1; a rating with no severity label leaves vendorSeverity undefined', () => {
    const v = vulnerabilityOf(one(parseFixture('cyclonedx/no-severity.cdx.json'), 'CVE-2021-44228'))!;
    assert.deepEqual(v.cvss, [{ baseScore: 10, scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', version: '3.1', source: 'NVD' }]);
    assert.deepEqual(v.primaryCvss, v.cvss![0]);
    assert.equal(v.vendorSeverity, undefined);
    assert.equal(v.description, undefined);
    assert.equal(v.vendorCreatedAt, Date.UTC(2025, 8, 5, 5, 5, 47));
    assert.equal(v.vendorUpdatedAt, Date.UTC(2025, 2, 3, 16, 51, 0));
  });

  it('details of the wrong type are left out, never a reason to reject the BOM', () => {
    const bom = fixtureValue('cyclonedx/trivy-pom.cdx.json');
    Object.assign(bom.vulnerabilities[0], { description: 42, source: 'ghsa', cwes: 'CWE-502', advisories: { url: 'x' }, references: 'x', published: 'soon', updated: 7 });
    bom.vulnerabilities[0].ratings[2].vector = 5;
    bom.components[2].properties = 'pom';
    const f = one(findingsOf([{ value: bom, path: '$' }], withImage), 'CVE-2020-9548');
    const v = vulnerabilityOf(f)!;
    for (const absent of ['description', 'sourceUrl', 'cwes', 'referenceUrls', 'relatedVulnerabilities', 'vendorCreatedAt', 'vendorUpdatedAt'] as const) assert.equal(v[absent], undefined, absent);
    assert.equal(v.source, 'trivy', 'no data source named: the scanner');
    assert.deepEqual(v.cvss!.map((s) => `${s.source} ${s.baseScore}`), ['nvd 6.8', 'redhat 8.1']);
    assert.equal(f.location, undefined, 'without properties a pkg:maven purl says nothing');
  });
});

describe('SARIF finding details', () => {
  it("Trivy: the rule's title, description and help URI; OS packages are located in the image itself, not a file", () => {
    const f = one(parseFixture('sarif/trivy-alpine-310.sarif'), 'CVE-2019-1549', 'libssl1.1');
    assert.deepEqual(vulnerabilityOf(f), {
      title: 'openssl: information disclosure in fork()',
      description:
        'OpenSSL 1.1.1 introduced a rewritten random number generator (RNG). This was intended to include protection in the event of a fork() system call in order to ensure that the parent and child processes did not share the same RNG state. However this protection was not being used in the default case. A partial mitigation for this issue is that the output from a high precision timer is mixed into the RNG state so the likelihood of a parent and child process sharing state is significantly reduced. If an application already calls OPENSSL_init_crypto() explicitly using OPENSSL_INIT_ATFORK then this problem does not occur at all. Fixed in OpenSSL 1.1.1d (Affected 1.1.1-1.1.1c).',
      source: 'trivy',
      referenceUrls: ['https://avd.aquasec.com/nvd/cve-2019-1549'],
    });
    // The artifact URI is the scanned image tarball (rule OsPackageVulnerability), not a path inside it.
    assert.deepEqual(f.location, { packageManager: 'OS' });
  });

  it('no CvssScore from security-severity (no vector) nor from Trivy properties that name no source; no CWE tags', () => {
    for (const f of [...parseFixture('sarif/trivy-alpine-310.sarif'), ...parseFixture('sarif/grype-image.sarif')]) {
      assert.equal(vulnerabilityOf(f)!.cvss, undefined, f.vulnerabilityId);
      assert.equal(vulnerabilityOf(f)!.primaryCvss, undefined, f.vulnerabilityId);
      assert.equal(vulnerabilityOf(f)!.cwes, undefined, f.vulnerabilityId);
      assert.equal(vulnerabilityOf(f)!.vendorSeverity, undefined, f.vulnerabilityId);
    }
  });

  it("Grype: the real path from the logical location, not the GitHub-style '<image>/<path>'; its boilerplate texts are not details", () => {
    const findings = parseFixture('sarif/grype-image.sarif');
    const first = one(findings, 'CVE-1999-0001');
    // No purl on the rule; the help says "Type: rpm". The fully qualified name has no layer ("user-input@:/...").
    assert.deepEqual(first.location, { filePath: '/foo/bar/somefile-1.txt', packageManager: 'OS' });
    // "CVE-1999-0001 low vulnerability for package-1 package", "Version 1.1.1 is affected with an available
    // fix in versions ...", and helpUri https://github.com/anchore/grype on every rule.
    assert.deepEqual(vulnerabilityOf(first), { source: 'grype' });
    const second = one(findings, 'CVE-1999-0002');
    assert.deepEqual(second.location, { filePath: '/foo/bar/somefile-2.txt', packageManager: 'OS' }, 'purl pkg:deb');
    assert.deepEqual(vulnerabilityOf(second), { source: 'grype' });
  });

  it('reads CWE tags where a rule has them, and skips members of the wrong type', () => {
    const sarif = fixtureValue('sarif/trivy-alpine-310.sarif');
    const [first, second] = sarif.runs[0].tool.driver.rules;
    first.properties.tags = ['vulnerability', 'security', 'MEDIUM', 'CWE-330', 'cwe-330'];
    // (`help.text` carries the severity and package, and is read strictly.)
    Object.assign(second, { shortDescription: 'x', fullDescription: { text: 7 }, helpUri: 5, properties: { tags: 'CWE-190' } });
    sarif.runs[0].results[1].locations = ['testdata'];
    const findings = findingsOf([{ value: sarif, path: '$' }], withImage);
    assert.deepEqual(vulnerabilityOf(one(findings, 'CVE-2019-1549', 'libssl1.1'))!.cwes, ['CWE-330']);
    const broken = one(findings, 'CVE-2019-1551', 'libcrypto1.1');
    assert.deepEqual(vulnerabilityOf(broken), { source: 'trivy' });
    assert.deepEqual(broken.location, { packageManager: 'OS' });
  });
});

describe('Inspector2 finding details', () => {
  it('list-findings: the finding ARN and times verbatim, its package details, the adjusted CVSS as primary, EPSS, and the package location', () => {
    const f = one(parseFixture('inspector2/list-findings-one.json', context), 'CVE-2021-3744');
    assert.deepEqual(f.inspector2, {
      findingArn: 'arn:aws:inspector2:us-east-1:012345678901:finding/00031f625ee77ac186869f906eb73366',
      firstObservedAt: Date.UTC(2024, 1, 2, 15, 30, 33, 45),
      lastObservedAt: Date.UTC(2024, 5, 14, 2, 3, 53, 51),
      updatedAt: Date.UTC(2024, 5, 14, 2, 3, 53, 51),
    });
    const score = { baseScore: 5.5, scoringVector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H', version: '3.1', source: 'NVD' };
    // referenceUrls and relatedVulnerabilities are empty lists: absent; exploitAvailable NO: no exploitObserved.
    assert.deepEqual(vulnerabilityOf(f), {
      description:
        'A memory leak flaw was found in the Linux kernel in the ccp_run_aes_gcm_cmd() function in drivers/crypto/ccp/ccp-ops.c, which allows attackers to cause a denial of service (memory consumption). This vulnerability is similar with the older CVE-2019-18808.',
      source: 'DEBIAN_CVE',
      sourceUrl: 'https://security-tracker.debian.org/tracker/CVE-2021-3744',
      vendorSeverity: 'unimportant',
      cvss: [score],
      primaryCvss: score,
      epss: 0.00075,
    });
    assert.deepEqual(f.location, { layerHash: 'sha256:11a88e76431345b48525c4e4d58d497810019f4bafdb5e2bd56dc34a05e09cc3', packageManager: 'OS' });
  });

  it('list-findings: exploit details, vendor dates, and no CVSS where Inspector has none', () => {
    const findings = parseFixture('inspector2/list-findings-many.json', context);
    const exploited = one(findings, 'CVE-2023-42753');
    assert.deepEqual(vulnerabilityOf(exploited)!.exploitObserved, { lastKnownExploitAt: Date.UTC(2024, 6, 30, 7, 4, 56) }, 'exploitAvailable YES and when');
    const untriaged = one(findings, 'CVE-2024-37021');
    const untriagedRecord = (fixtureValue('inspector2/list-findings-many.json').findings as { description: string; packageVulnerabilityDetails: { vulnerabilityId: string } }[])
      .find((r) => r.packageVulnerabilityDetails.vulnerabilityId === 'CVE-2024-37021')!;
    assert.deepEqual(vulnerabilityOf(untriaged), {
      description: untriagedRecord.description,
      source: 'DEBIAN_CVE',
      sourceUrl: 'https://security-tracker.debian.org/tracker/CVE-2024-37021',
      vendorSeverity: 'not yet assigned',
      epss: 0.00045,
    });
    // One finding, two installed releases: two findings, the first with the finding's ARN (no two share it), both with its times and its one reference URL.
    const libxml = findings.filter((f) => f.vulnerabilityId === 'CVE-2022-29824');
    assert.deepEqual(libxml.map((f) => f.inspector2!.findingArn), ['arn:aws:inspector2:us-east-1:012345678901:finding/00657fce9f7e60372fcfda10e636c2b0', undefined]);
    assert.equal(libxml[1]!.inspector2!.updatedAt, libxml[0]!.inspector2!.updatedAt);
    assert.deepEqual(vulnerabilityOf(libxml[0]!)!.referenceUrls, ['https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=1010526']);
  });

  it('EventBridge: "Dec 3, 2021, 6:02:30 PM" times read like the status times, and every CVSS entry kept', () => {
    const event = fixtureValue('inspector2/eventbridge-inspector2-finding.json');
    // AWS's sample ends its digests in "EXAMPLE"; give the resource a real one so the image can be keyed.
    event.detail.resources[0].id = event.detail.resources[0].id.replace(/sha256:.*$/, `sha256:${'b'.repeat(64)}`);
    const f = one(findingsOf([{ value: event, path: '$' }], context), 'CVE-2019-17498');
    // The sample's times name no zone: read as UTC, the zone of the event's own `time`.
    const observed = Date.UTC(2021, 11, 3, 18, 2, 30);
    assert.deepEqual(f.inspector2, {
      findingArn: 'arn:aws:inspector2:us-east-2:123456789012:finding/be674aaddd0f75ac632055EXAMPLE',
      firstObservedAt: observed,
      lastObservedAt: observed,
      updatedAt: observed,
    });
    const v = vulnerabilityOf(f)!;
    assert.deepEqual(v.cvss, [
      { baseScore: 6.5, scoringVector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:N', version: '3.0', source: 'REDHAT_CVE' },
      { baseScore: 5.8, scoringVector: 'AV:N/AC:M/Au:N/C:P/I:N/A:P', version: '2.0', source: 'NVD' },
      { baseScore: 8.1, scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:N/A:H', version: '3.1', source: 'NVD' },
    ]);
    assert.deepEqual(v.primaryCvss, v.cvss![0], "the adjusted CVSS (REDHAT_CVE's), not NVD's higher 8.1");
    assert.equal(v.vendorSeverity, 'Moderate');
    assert.deepEqual(v.referenceUrls, ['https://access.redhat.com/errata/RHSA-2020:3915']);
    assert.equal(v.vendorCreatedAt, Date.UTC(2019, 9, 16));
    assert.equal(v.vendorUpdatedAt, undefined);
    assert.equal(v.epss, undefined, 'the sample has no epss');
    assert.deepEqual(f.location, { layerHash: 'sha256:72d97abdfae3b3c933ff41e39779cc72853d7bd9dc1e4800c5294dEXAMPLE', packageManager: 'OS' });
  });

  it('details of the wrong type are left out, never a reason to reject the finding', () => {
    const output = fixtureValue('inspector2/list-findings-one.json');
    const finding = output.findings[0];
    // (`cvss` entries' version and baseScore, and inspectorScore, decide the severity and are read strictly.)
    Object.assign(finding, { epss: 'low', fixAvailable: 'MAYBE', remediation: 'patch', title: '', firstObservedAt: 'yesterday', exploitabilityDetails: [] });
    Object.assign(finding.packageVulnerabilityDetails, { cvss: [{ baseScore: 5.5, version: '3.1' }], referenceUrls: [1, '', 'https://example.com/a'], sourceUrl: {} });
    finding.packageVulnerabilityDetails.vulnerablePackages[0].packageManager = 'APT';
    finding.inspectorScoreDetails.adjustedCvss.score = null;
    const f = one(findingsOf([{ value: output, path: '$' }], context), 'CVE-2021-3744');
    assert.equal(f.inspector2!.firstObservedAt, undefined, 'firstObservedAt');
    for (const absent of ['epss', 'cvss', 'primaryCvss', 'sourceUrl', 'exploitObserved'] as const) assert.equal(vulnerabilityOf(f)![absent], undefined, absent);
    assert.deepEqual(vulnerabilityOf(f)!.referenceUrls, ['https://example.com/a']);
    assert.deepEqual(f.location, { layerHash: 'sha256:11a88e76431345b48525c4e4d58d497810019f4bafdb5e2bd56dc34a05e09cc3' }, 'APT is not an Inspector package manager');
  });
});
