// The kinds of object a Kubernetes watcher lists and watches: their API paths (the same for a list and
// a watch) and what is kept of each. Pods for where images run; ReplicaSets and Jobs only to name a
// pod's top-level workload; trivy-operator's VulnerabilityReports for what the images carry.
import { slimOwner, slimPod, slimVulnerabilityReport } from './slim-objects.ts';

export interface KubernetesResource {
  name: 'pods' | 'replicasets' | 'jobs' | 'vulnerabilityreports';
  /** The API group, as an RBAC rule names it (for "permission missing" logs). */
  apiGroup: '' | 'apps' | 'batch' | 'aquasecurity.github.io';
  path(namespace?: string): string;
  slim(object: object): object;
  /** The most objects a list page asks for, where objects are large (below the watcher's page size). */
  maxPageSize?: number;
}

export const pods: KubernetesResource = {
  name: 'pods',
  apiGroup: '',
  path: (ns) => (ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods'),
  slim: slimPod,
};

export const replicaSets: KubernetesResource = {
  name: 'replicasets',
  apiGroup: 'apps',
  path: (ns) => (ns ? `/apis/apps/v1/namespaces/${ns}/replicasets` : '/apis/apps/v1/replicasets'),
  slim: (object) => slimOwner('ReplicaSet', object),
};

export const jobs: KubernetesResource = {
  name: 'jobs',
  apiGroup: 'batch',
  path: (ns) => (ns ? `/apis/batch/v1/namespaces/${ns}/jobs` : '/apis/batch/v1/jobs'),
  slim: (object) => slimOwner('Job', object),
};

/** A custom resource: served only where trivy-operator's CRD is installed (404 elsewhere). */
export const vulnerabilityReports: KubernetesResource = {
  name: 'vulnerabilityreports',
  apiGroup: 'aquasecurity.github.io',
  path: (ns) => (ns ? `/apis/aquasecurity.github.io/v1alpha1/namespaces/${ns}/vulnerabilityreports` : '/apis/aquasecurity.github.io/v1alpha1/vulnerabilityreports'),
  slim: slimVulnerabilityReport,
  // A report of 200 findings is ~100 KB of JSON: 50 of them keep a page, parsed, near 20 MB.
  maxPageSize: 50,
};
