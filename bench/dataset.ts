// Generates a realistic dataset and loads it through the real ingest path (ingestInput, as
// `imagescope ingest --db` does): many images, pipelines and build versions; tens of thousands of
// CVEs with a skewed (power-law) distribution; ECS tasks and Kubernetes pods across hundreds of
// clusters, with a few popular images running almost everywhere.
import { ingestInput } from '../src/ingest/ingest-input.ts';
import type { IngestOptions } from '../src/ingest/ingest-options.ts';
import type { Store } from '../src/store/store.ts';

export const benchAccount = '111122223333';
const registry = `${benchAccount}.dkr.ecr.us-west-2.amazonaws.com`;

export interface Scale {
  name: string;
  findings: number;
  /** Scanned images; the running units run these (and a few unscanned ones). */
  images: number;
  units: number;
}

export const scales: Record<string, Scale> = {
  small: { name: 'small', findings: 20_000, images: 20, units: 2_000 },
  large: { name: 'large', findings: 1_000_000, images: 1_000, units: 100_000 },
  // Issue 19's fleet: the same findings spread over ten times the images (100 a report).
  wide: { name: 'wide', findings: 1_000_000, images: 10_000, units: 100_000 },
};

const findingsPerImage = 1_000;
const imagesPerFile = 25;
const cvePool = 40_000;
const pipelines = 50;
const clusters = 300;
const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'MEDIUM', 'LOW', 'LOW', 'LOW', 'UNKNOWN'];

/** Deterministic pseudo-random numbers, so two runs load the same data. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** The scan time of every generated report (epoch seconds): its findings' first and last observation and update. */
export const reportTime = Date.parse('2026-11-20T00:00:00Z') / 1000;
export const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
export const pipelineArn = (n: number) => `arn:aws:imagebuilder:us-west-2:${benchAccount}:image-pipeline/pipeline-${n}`;
export const buildArn = (n: number) => `arn:aws:imagebuilder:us-west-2:${benchAccount}:image/app-${n}/1.0.0/1`;
export const cveId = (n: number) => `CVE-${2000 + (n % 25)}-${String(n).padStart(5, '0')}`;
/** The image most units run: the target of the GetClustersForImage benchmarks. */
export const popularImage = `arn:aws:ecr:us-west-2:${benchAccount}:repository/app-0/${digest(1)}`;
export const popularRepository = `arn:aws:ecr:us-west-2:${benchAccount}:repository/app-0`;
/**
 * An image deployed the same way at every scale (one service of a few tasks in one cluster): its
 * GetClustersForImage answer is the same size at every scale, so its latency shows what the stored
 * data alone costs, apart from answer size.
 */
const steadyDigest = digest(1_000_000);
export const steadyImage = `arn:aws:ecr:us-west-2:${benchAccount}:repository/steady/${steadyDigest}`;

/** A Trivy report for image `i`: its CVEs drawn with a power law, so a few CVEs are everywhere. */
/** `details`: each vulnerability with what real Trivy reports carry besides its key (about 1.5 KB). */
export function trivyReport(i: number, findings = findingsPerImage, details = false): object {
  const next = random(i + 1);
  const vulnerabilities = Array.from({ length: findings }, (_, f) => {
    const cve = Math.floor(next() ** 3 * cvePool);
    const key = { VulnerabilityID: cveId(cve), PkgName: `pkg-${f % 211}`, InstalledVersion: `${f}.${i % 7}`, Severity: severities[cve % severities.length] };
    return details ? { ...key, ...vulnerabilityDetails(cve, i) } : key;
  });
  return {
    SchemaVersion: 2,
    CreatedAt: '2026-11-20T00:00:00Z',
    ArtifactName: `app-${i}`,
    Metadata: { RepoDigests: [`${registry}/app-${i % 200}@${digest(i + 1)}`] },
    Results: [{ Target: `app-${i}`, Class: 'os-pkgs', Vulnerabilities: vulnerabilities }],
  };
}

/** The members a real Trivy vulnerability has besides its key, in their real shapes and sizes. */
function vulnerabilityDetails(cve: number, image: number) {
  const id = cveId(cve);
  return {
    PkgID: `pkg@${cve}`,
    FixedVersion: cve % 3 === 0 ? `${cve}.1` : '',
    Status: cve % 3 === 0 ? 'fixed' : 'affected',
    Layer: { Digest: digest(image * 7 + 3), DiffID: digest(image * 7 + 4) },
    SeveritySource: 'nvd',
    PrimaryURL: `https://avd.aquasec.com/nvd/${id.toLowerCase()}`,
    DataSource: { ID: 'debian', Name: 'Debian Security Tracker', URL: 'https://salsa.debian.org/security-tracker-team/security-tracker' },
    Title: `libexample: heap-based buffer overflow in parse_record() (${id})`,
    Description: `A heap-based buffer overflow in parse_record() of libexample before ${cve}.1 allows a remote attacker to execute arbitrary code or cause a denial of service through a crafted record whose length field exceeds the size of the buffer it is copied into. ${id} affects every release up to the fixed one.`,
    CweIDs: [`CWE-${100 + (cve % 700)}`],
    VendorSeverity: { debian: 2, nvd: 3, redhat: 2 },
    CVSS: {
      nvd: { V2Vector: 'AV:N/AC:M/Au:N/C:P/I:P/A:P', V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', V2Score: 6.8, V3Score: 8.8 },
      redhat: { V3Vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H', V3Score: 7.5 },
    },
    References: Array.from({ length: 8 }, (_, r) => `https://security.example.org/advisories/${id}/reference-${r}`),
    PublishedDate: '2024-03-01T15:15:00Z',
    LastModifiedDate: '2024-06-10T12:00:00Z',
  };
}

/** The same kind of report as Grype JSON. */
export function grypeReport(i: number, findings = findingsPerImage): object {
  const trivy = trivyReport(i, findings) as { Results: { Vulnerabilities: { VulnerabilityID: string; PkgName: string; InstalledVersion: string; Severity: string }[] }[] };
  return {
    source: { type: 'image', target: { userInput: `app-${i}`, repoDigests: [`${registry}/app-${i % 200}@${digest(i + 1)}`] } },
    descriptor: { name: 'grype', timestamp: '2026-11-20T00:00:00Z' },
    matches: trivy.Results[0].Vulnerabilities.map((v) => ({
      vulnerability: { id: v.VulnerabilityID, severity: v.Severity === 'UNKNOWN' ? 'Unknown' : v.Severity[0] + v.Severity.slice(1).toLowerCase() },
      artifact: { name: v.PkgName, version: v.InstalledVersion },
    })),
  };
}

async function ingest(store: Store, text: string, options: Partial<IngestOptions>): Promise<void> {
  await ingestInput(store, { name: 'bench', text }, { format: 'auto', accountId: benchAccount, ...options }, Date.parse('2026-11-21T12:00:00Z'));
}

/** Loads findings for `scale` (images in bulk files of 25 reports, grouped by pipeline). */
export async function loadFindings(store: Store, scale: Scale): Promise<void> {
  const images = scale.images;
  const perImage = Math.ceil(scale.findings / images);
  for (let first = 0; first < images; first += imagesPerFile) {
    const lines: string[] = [];
    for (let i = first; i < Math.min(images, first + imagesPerFile); i++) lines.push(JSON.stringify(trivyReport(i, perImage)));
    // Each file is one pipeline's build; build version ARNs name the file's first image.
    await ingest(store, lines.join('\n'), { imagePipelineArn: pipelineArn((first / imagesPerFile) % pipelines), imageBuildVersionArn: buildArn(first) });
  }
}

/** Loads runtime units: half ECS tasks (events), half Kubernetes pods (pod lists per cluster). */
export async function loadUnits(store: Store, scale: Scale): Promise<void> {
  const next = random(7);
  const imageOf = () => Math.floor(next() ** 4 * scale.images); // image 0 is the most popular
  const ecsUnits = Math.floor(scale.units / 2);
  for (let first = 0; first < ecsUnits; first += 5_000) {
    const events: string[] = [];
    for (let t = first; t < Math.min(ecsUnits, first + 5_000); t++) {
      const cluster = `ecs-${t % (clusters / 2)}`;
      const image = imageOf();
      events.push(JSON.stringify({
        'detail-type': 'ECS Task State Change', source: 'aws.ecs', time: '2026-11-21T11:00:00Z', region: 'us-west-2',
        detail: {
          clusterArn: `arn:aws:ecs:us-west-2:${benchAccount}:cluster/${cluster}`, taskArn: `arn:aws:ecs:us-west-2:${benchAccount}:task/${cluster}/t${t}`,
          taskDefinitionArn: `arn:aws:ecs:us-west-2:${benchAccount}:task-definition/svc-${t % 40}:1`, group: `service:svc-${t % 40}`,
          lastStatus: t % 10 === 0 ? 'STOPPED' : 'RUNNING', stoppedAt: '2026-11-21T10:00:00Z', version: 2,
          containers: [{ name: 'app', image: `${registry}/app-${image % 200}:1`, imageDigest: digest(image + 1) }],
        },
      }));
    }
    await ingest(store, events.join('\n'), {});
  }
  await ingest(store, Array.from({ length: 4 }, (_, t) => JSON.stringify({
    'detail-type': 'ECS Task State Change', source: 'aws.ecs', time: '2026-11-21T11:00:00Z', region: 'us-west-2',
    detail: {
      clusterArn: `arn:aws:ecs:us-west-2:${benchAccount}:cluster/ecs-0`, taskArn: `arn:aws:ecs:us-west-2:${benchAccount}:task/ecs-0/steady-${t}`,
      taskDefinitionArn: `arn:aws:ecs:us-west-2:${benchAccount}:task-definition/steady:1`, group: 'service:steady', lastStatus: 'RUNNING', version: 1,
      containers: [{ name: 'steady', image: `${registry}/steady:1`, imageDigest: steadyDigest }],
    },
  })).join('\n'), {});
  const podUnits = scale.units - ecsUnits;
  const podsPerCluster = Math.ceil(podUnits / (clusters / 2));
  for (let c = 0; c < clusters / 2; c++) {
    const items = Array.from({ length: Math.min(podsPerCluster, podUnits - c * podsPerCluster) }, (_, p) => {
      const image = imageOf();
      return {
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: `web-${p}`, namespace: `ns-${p % 12}`, uid: `pod-${c}-${p}`, resourceVersion: '10', labels: { 'pod-template-hash': 'abc123' }, ownerReferences: [{ kind: 'ReplicaSet', name: `web-${p % 30}-abc123`, controller: true }] },
        status: { phase: 'Running', containerStatuses: [{ name: 'app', image: `${registry}/app-${image % 200}:1`, imageID: `${registry}/app-${image % 200}@${digest(image + 1)}`, state: { running: {} } }] },
      };
    });
    if (items.length > 0) await ingest(store, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }), { clusterArn: `arn:aws:eks:us-west-2:${benchAccount}:cluster/eks-${c}` });
  }
}
