// A finding as Inspector2 sends it (the model's Finding), from what the store lists: the occurrence,
// its status and times, its image and runtime use, and what the reports say about its vulnerability.
// Nothing is invented: a member the reports do not give is left out.
import type { CvssScore } from '../../domain/findings.ts';
import type { ListedFinding } from '../../store/store.ts';

const textLimit = 1024;

export interface Inspector2Finding {
  findingArn: string;
  awsAccountId: string;
  type: 'PACKAGE_VULNERABILITY';
  title: string;
  description: string;
  remediation: { recommendation: { text: string; Url?: string } };
  severity: string;
  firstObservedAt: number;
  lastObservedAt: number;
  updatedAt: number;
  status: 'ACTIVE' | 'CLOSED';
  resources: object[];
  inspectorScore?: number;
  inspectorScoreDetails?: object;
  packageVulnerabilityDetails: object;
  fixAvailable: 'YES' | 'NO';
  exploitAvailable: 'YES' | 'NO';
  exploitabilityDetails?: { lastKnownExploitAt: number };
  epss?: { score: number };
}

const clip = (text: string) => (text.length > textLimit ? `${text.slice(0, textLimit - 3)}...` : text);
const seconds = (ms: number) => ms / 1000;

export function inspectorFinding(f: ListedFinding): Inspector2Finding {
  const d = f.details;
  const image = f.image;
  const primary = d?.primaryCvss;
  const remediation = f.fixedVersion ? `Upgrade ${f.packageName} to ${f.fixedVersion}` : 'None Provided';
  return {
    findingArn: f.findingArn,
    awsAccountId: image.accountId,
    type: 'PACKAGE_VULNERABILITY',
    title: clip(`${f.vulnerabilityId} - ${f.packageName}`),
    description: clip(d?.description || d?.title || f.vulnerabilityId),
    remediation: { recommendation: { text: clip(remediation) } },
    severity: f.severity,
    firstObservedAt: seconds(f.firstObservedAt),
    lastObservedAt: seconds(f.lastObservedAt),
    updatedAt: seconds(f.updatedAt),
    status: f.status,
    resources: [{
      type: 'AWS_ECR_CONTAINER_IMAGE',
      id: image.resourceId,
      partition: image.partition,
      region: image.region,
      details: {
        awsEcrContainerImage: {
          repositoryName: image.repositoryName,
          imageHash: image.digest,
          registry: image.registry,
          ...(image.tags.length > 0 && { imageTags: image.tags }),
          ...(image.lastInUseAt !== undefined && { lastInUseAt: seconds(image.lastInUseAt) }),
          inUseCount: image.inUseCount,
        },
      },
    }],
    ...(primary && {
      inspectorScore: primary.baseScore,
      inspectorScoreDetails: { adjustedCvss: { scoreSource: primary.source, version: primary.version, score: primary.baseScore, scoringVector: primary.scoringVector } },
    }),
    packageVulnerabilityDetails: {
      vulnerabilityId: f.vulnerabilityId,
      source: d?.source ?? f.detailsSource ?? f.sources[0] ?? 'imagescope',
      ...(d?.sourceUrl && { sourceUrl: d.sourceUrl }),
      ...(d?.vendorSeverity && { vendorSeverity: d.vendorSeverity }),
      ...(d?.cvss && { cvss: d.cvss.map((c: CvssScore) => ({ baseScore: c.baseScore, scoringVector: c.scoringVector, version: c.version, source: c.source })) }),
      ...(d?.relatedVulnerabilities && { relatedVulnerabilities: d.relatedVulnerabilities }),
      ...(d?.referenceUrls && { referenceUrls: d.referenceUrls }),
      ...(d?.vendorCreatedAt !== undefined && { vendorCreatedAt: seconds(d.vendorCreatedAt) }),
      ...(d?.vendorUpdatedAt !== undefined && { vendorUpdatedAt: seconds(d.vendorUpdatedAt) }),
      vulnerablePackages: [{
        name: f.packageName,
        version: f.packageVersion,
        ...(f.fixedVersion && { fixedInVersion: f.fixedVersion, remediation: clip(remediation) }),
        ...(f.packageManager && { packageManager: f.packageManager }),
        ...(f.filePath && { filePath: f.filePath }),
        ...(f.layerHash && { sourceLayerHash: f.layerHash }),
      }],
    },
    fixAvailable: f.fixedVersion ? 'YES' : 'NO',
    exploitAvailable: d?.knownExploited || d?.exploitObserved ? 'YES' : 'NO',
    ...(d?.exploitObserved?.lastKnownExploitAt !== undefined && { exploitabilityDetails: { lastKnownExploitAt: seconds(d.exploitObserved.lastKnownExploitAt) } }),
    ...(d?.epss !== undefined && { epss: { score: d.epss } }),
  };
}
