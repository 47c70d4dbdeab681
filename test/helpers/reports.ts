// Generated scanner reports for tests that need many findings (crash safety, load).
import { seededRandom } from './fuzz.ts';

const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];

/** A Trivy JSON report of `findings` findings drawn from a pool of CVEs with a skewed severity mix. */
/** `image`: the image reference the report names itself (Trivy's Metadata.RepoDigests). */
export function trivyReport(seed: number, findings: number, createdAt = '2026-11-20T00:00:00Z', image?: string): string {
  const random = seededRandom(seed);
  const vulnerabilities = Array.from({ length: findings }, (_, i) => {
    const cve = Math.floor(random() ** 2 * 3000);
    return {
      VulnerabilityID: `CVE-2024-${String(cve).padStart(5, '0')}`,
      PkgName: `pkg-${i % 97}`,
      InstalledVersion: `${i}.0`,
      Severity: severities[cve % severities.length],
    };
  });
  return JSON.stringify({ SchemaVersion: 2, CreatedAt: createdAt, ArtifactName: `app-${seed}`, ...(image && { Metadata: { RepoDigests: [image] } }), Results: [{ Target: 'app', Vulnerabilities: vulnerabilities }] });
}

export function digestOf(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}
