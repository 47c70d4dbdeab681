// What a finding carries beyond its key, read from real Trivy and Grype reports (../shared/fixtures):
// titles, descriptions, CVSS scores, links, CWEs, EPSS, known exploitation, the package's file, layer
// and package manager. Expected values were read from the fixture files by hand; what a report does
// not give stays undefined.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vulnerabilityOf, type Finding } from '../src/domain/findings.ts';
import { formats } from '../src/ingest/formats.ts';
import { readJsonDocuments } from '../src/ingest/json-documents.ts';
import type { ParseContext } from '../src/ingest/parse-result.ts';
import { VulnerabilityDetailsReader } from '../src/ingest/vulnerability-details.ts';
import { openStore } from '../src/store/open-store.ts';
import { tempDir } from './helpers/temp.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';

const context: ParseContext = { accountId: '111122223333', region: 'us-west-2', now: Date.parse('2026-11-21T12:00:00Z'), image: `ghcr.io/acme/app:1@sha256:${'a'.repeat(64)}` };

function finding(path: string, vulnerabilityId: string, packageName?: string): Finding {
  const documents = readJsonDocuments(readFixture(sharedFixture(path)));
  const format = formats.find((f) => f.detect(documents[0]!.value))!;
  const found = (format.parse(documents, context).findings ?? []).flatMap((r) => r.findings).find((f) => f.vulnerabilityId === vulnerabilityId && (!packageName || f.packageName === packageName));
  assert.ok(found, `${path} has ${vulnerabilityId}`);
  return found;
}

describe('Trivy finding details', () => {
  it('reads the title, description, data source, every CVSS score, the score the severity rests on, links, CWEs and dates', () => {
    const f = finding('trivy/alpine-39.json', 'CVE-2019-1549', 'libcrypto1.1');
    const v = vulnerabilityOf(f)!;
    assert.equal(v.title, 'openssl: information disclosure in fork()');
    assert.match(v.description!, /^OpenSSL 1\.1\.1 introduced a rewritten random number generator/);
    assert.equal(v.source, 'alpine', 'DataSource.ID');
    assert.equal(v.sourceUrl, 'https://avd.aquasec.com/nvd/cve-2019-1549');
    assert.equal(v.vendorSeverity, 'MEDIUM', "VendorSeverity of the SeveritySource (nvd: 2)");
    assert.deepEqual(v.cvss, [
      { baseScore: 5.3, scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N', version: '3.1', source: 'nvd' },
      { baseScore: 5, scoringVector: 'AV:N/AC:L/Au:N/C:P/I:N/A:N', version: '2.0', source: 'nvd' },
      { baseScore: 4.8, scoringVector: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N', version: '3.0', source: 'redhat' },
    ]);
    assert.deepEqual(v.primaryCvss, v.cvss![0], "the SeveritySource's v3 score");
    assert.equal(v.referenceUrls!.length, 20);
    assert.equal(v.referenceUrls![0], 'https://access.redhat.com/security/cve/CVE-2019-1549');
    assert.deepEqual(v.cwes, ['CWE-330']);
    assert.equal(v.vendorCreatedAt, Date.parse('2019-09-10T17:15:00Z'));
    assert.equal(v.vendorUpdatedAt, Date.parse('2020-10-20T22:15:00Z'));
    assert.equal(v.epss, undefined, 'Trivy gives no EPSS');
    assert.equal(v.knownExploited, undefined);
    assert.deepEqual(f.location, { layerHash: 'sha256:e7c96db7181be991f19a9fb6975cdbbd73c65f4a2681348e63a141a2192a5f10', packageManager: 'OS' });
  });

  it("names a language package's file and package manager, and the layer by its DiffID where Trivy gives no digest", () => {
    const jar = finding('trivy/scheme_2_many_vulns.json', 'CVE-2018-11771', 'org.apache.commons:commons-compress');
    assert.deepEqual(jar.location, { filePath: 'app/libs/commons-compress-1.14', layerHash: 'sha256:7687a0228bb6d371c80b448ede8afb5272dd58e7baae544a259e4ca84ef570b1', packageManager: 'JAR' });
    const gomod = finding('trivy/gomod.json', 'CVE-2022-23628');
    assert.equal(gomod.location!.filePath, 'go.mod', "a language result's target: the lock file");
    assert.equal(gomod.location!.packageManager, 'GOMOD');
  });
});

describe("an ingest's read of the vulnerability details", () => {
  const parse = (createdAt?: string) => {
    const documents = readJsonDocuments(readFixture(sharedFixture('trivy/alpine-39.json')));
    const reports = formats.find((f) => f.name === 'trivy')!.parse(documents, context).findings!;
    if (createdAt) for (const r of reports) r.reportTime = Date.parse(createdAt);
    return reports;
  };

  it('reads each vulnerability once per report, drops every record, and reads again only from a report an hour newer', async () => {
    const dir = await tempDir();
    const store = await openStore(`${dir.path}/details.sqlite`);
    try {
      const first = parse();
      const ids = new Set(first.flatMap((r) => r.findings.map((f) => f.vulnerabilityId)));
      const reader = new VulnerabilityDetailsReader(store);
      reader.read(context.accountId, first);
      assert.deepEqual(new Set(first.flatMap((r) => r.vulnerabilities!.map((v) => v.vulnerabilityId))), ids, 'one entry per vulnerability');
      assert.equal(first.flatMap((r) => r.vulnerabilities!).length, ids.size);
      for (const f of first.flatMap((r) => r.findings)) {
        assert.equal(f.vulnerabilityRecord, undefined, 'the record is dropped: the parsed report can be freed');
        assert.equal(vulnerabilityOf(f), undefined);
        assert.ok(f.location?.packageManager, 'the location is kept');
      }
      const musl = first[0]!.vulnerabilities!.find((v) => v.vulnerabilityId === 'CVE-2019-14697')!;
      assert.equal(JSON.parse(musl.details).primaryCvss?.baseScore, 9.8);

      const unstored = parse();
      new VulnerabilityDetailsReader(store).read(context.accountId, unstored);
      assert.equal(unstored.flatMap((r) => r.vulnerabilities ?? []).length, ids.size, 'read again while the first group is not stored');
      reader.stored();
      const again = parse();
      new VulnerabilityDetailsReader(store).read(context.accountId, again);
      assert.equal(again.flatMap((r) => r.vulnerabilities ?? []).length, 0, 'not read again from a report of the same time');
      const reportTime = first[0]!.reportTime;
      const later = parse(new Date(reportTime + 3_600_000).toISOString());
      new VulnerabilityDetailsReader(store).read(context.accountId, later);
      assert.equal(later.flatMap((r) => r.vulnerabilities ?? []).length, ids.size, 'read again from a report an hour newer');
    } finally {
      await store.close();
      await dir.remove();
    }
  });
});

describe('Grype finding details', () => {
  it('reads the description, CVSS, EPSS and links, and the package location', () => {
    const f = finding('grype/many_vulns.json', 'CVE-2022-28391', 'busybox');
    const v = vulnerabilityOf(f)!;
    assert.match(v.description!, /^BusyBox through 1\.35\.0 allows remote attackers/);
    assert.equal(v.title, undefined, 'Grype gives no title');
    assert.equal(v.source, 'nvd', 'namespace nvd:cpe');
    assert.equal(v.sourceUrl, 'https://nvd.nist.gov/vuln/detail/CVE-2022-28391');
    assert.equal(v.vendorSeverity, 'High');
    assert.deepEqual(v.cvss, [
      { baseScore: 8.8, scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', version: '3.1', source: 'nvd@nist.gov' },
      { baseScore: 6.8, scoringVector: 'AV:N/AC:M/Au:N/C:P/I:P/A:P', version: '2.0', source: 'nvd@nist.gov' },
      { baseScore: 8.8, scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', version: '3.1', source: '134c704f-9b21-4f2e-91b3-4a467353bcc0' },
    ]);
    assert.deepEqual(v.primaryCvss, v.cvss![0]);
    assert.equal(v.epss, 0.0719);
    assert.equal(v.referenceUrls!.length, 3, 'six urls, three distinct');
    assert.deepEqual(f.location, { filePath: '/bin/[', layerHash: 'sha256:67f770da229bf16d0c280f232629b0c1f1243a884df09f6b940a1c7288535a6d' }, 'a binary names no package manager');
  });

  it("takes the description, scores and links of a distribution's match from the NVD record among the related ones", () => {
    const v = vulnerabilityOf(finding('grype/check_all_fields.json', 'CVE-2004-0971', 'libgssapi-krb5-2'))!;
    assert.match(v.description!, /^The krb5-send-pr script in the kerberos5/);
    assert.equal(v.source, 'debian');
    assert.equal(v.vendorSeverity, 'Negligible');
    assert.deepEqual(v.cvss, [{ baseScore: 2.1, scoringVector: 'AV:L/AC:L/Au:N/C:N/I:P/A:N', version: '2.0', source: 'nvd' }]);
    assert.equal(v.primaryCvss, undefined, 'no CVSS v3 score in the report');
    assert.equal(v.relatedVulnerabilities, undefined, 'the related record is the same id');
    assert.equal(v.referenceUrls!.length, 9);
  });

  it('marks a vulnerability known to be exploited where the report lists it in knownExploited', () => {
    const exploited = vulnerabilityOf(finding('grype/presenter-image.json', 'CVE-1999-0002'))!;
    assert.ok(exploited.knownExploited, 'knownExploited');
    assert.equal(exploited.epss, 0.08);
    assert.equal(vulnerabilityOf(finding('grype/presenter-image.json', 'CVE-1999-0001'))!.knownExploited, undefined);
  });
});
