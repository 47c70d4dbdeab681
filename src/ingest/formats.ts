// The input formats imagescope reads: how each is recognised and which pure parser reads it.
// Detection runs in this order; the first that recognises the input's first document wins.
import { isCycloneDx, parseCycloneDx } from './findings/cyclonedx.ts';
import { isEcrScanFindings, parseEcrScanFindings } from './findings/ecr.ts';
import { isGrypeReport, parseGrype } from './findings/grype.ts';
import { isInspector2Findings, parseInspector2 } from './findings/inspector2.ts';
import { isSarif, parseSarif } from './findings/sarif.ts';
import { isScanStatus, parseScanStatus } from './findings/scan-status.ts';
import { isTrivyOperatorReport, parseTrivyOperator } from './findings/trivy-operator.ts';
import { isTrivyReport, parseTrivy } from './findings/trivy.ts';
import type { JsonDocument } from './json-documents.ts';
import type { ParseContext, ParseResult } from './parse-result.ts';
import { isEcsTaskEvent, parseEcsTaskEvents } from './runtime/ecs-task-events.ts';
import { isKubernetesDocument, parseKubernetesPods } from './runtime/kubernetes-pods.ts';

export interface InputFormat {
  name: string;
  description: string;
  /** Whether the first document of an input looks like this format. */
  detect(first: unknown): boolean;
  parse(documents: JsonDocument[], context: ParseContext): ParseResult;
}

export const formats = [
  {
    name: 'ecs',
    description: 'EventBridge "ECS Task State Change" events: one, a JSON array, or one per line',
    detect: (first: unknown) => isEcsTaskEvent(Array.isArray(first) ? first[0] : first),
    parse: parseEcsTaskEvents,
  },
  {
    // Before kubernetes: `kubectl get vulnerabilityreports -A -o json` is a `kind: List` too.
    name: 'trivy-operator',
    description: 'trivy-operator VulnerabilityReports: one, a `kubectl get vulnerabilityreports -A -o json` list, or an array of reports',
    detect: isTrivyOperatorReport,
    parse: parseTrivyOperator,
  },
  {
    name: 'kubernetes',
    description: 'Kubernetes Pods: a `kubectl get pods -A -o json` list, one Pod, or watch events one per line',
    detect: isKubernetesDocument,
    parse: parseKubernetesPods,
  },
  { name: 'trivy', description: 'Trivy JSON (`trivy image -f json`)', detect: isTrivyReport, parse: parseTrivy },
  { name: 'grype', description: 'Grype JSON (`grype -o json`)', detect: isGrypeReport, parse: parseGrype },
  { name: 'cyclonedx', description: 'CycloneDX 1.4-1.7 JSON with vulnerabilities', detect: isCycloneDx, parse: parseCycloneDx },
  { name: 'sarif', description: 'SARIF 2.1.0 from Trivy or Grype', detect: isSarif, parse: parseSarif },
  {
    name: 'ecr',
    description: 'Amazon ECR image scans (`aws ecr describe-image-scan-findings` output, basic or enhanced)',
    detect: isEcrScanFindings,
    parse: parseEcrScanFindings,
  },
  {
    name: 'inspector2',
    description: 'Inspector2 findings (`aws inspector2 list-findings` output or "Inspector2 Finding" events)',
    detect: isInspector2Findings,
    parse: parseInspector2,
  },
  {
    name: 'scan-status',
    description: 'imagescope ImageScanStatus records of scans that gave no findings (`imagescope scan` writes them)',
    detect: isScanStatus,
    parse: parseScanStatus,
  },
] as const satisfies InputFormat[];

export type FormatName = (typeof formats)[number]['name'];
export const formatNames: string[] = formats.map((f) => f.name);
