// What a watcher keeps of a Kubernetes object: only what ingesting it needs (identity, owner, phase,
// container names, images and digests, termination times), never the whole Pod. The result is the same Pod
// JSON a `kubectl get pods -o json` dump has, with everything else left out, so it goes through the
// ordinary Kubernetes ingest.
type Json = Record<string, any>;

function slimMetadata(metadata: Json = {}): Json {
  const hash = metadata.labels?.['pod-template-hash'];
  return {
    name: metadata.name,
    namespace: metadata.namespace,
    uid: metadata.uid,
    resourceVersion: metadata.resourceVersion,
    ...(hash !== undefined && { labels: { 'pod-template-hash': hash } }),
    ...(metadata.ownerReferences?.length && {
      ownerReferences: metadata.ownerReferences.map((o: Json) => ({ kind: o.kind, name: o.name, ...(o.controller !== undefined && { controller: o.controller }) })),
    }),
  };
}

function slimContainerStatus(status: Json): Json {
  const state: Json = {};
  if (status.state?.running) state.running = {};
  if (status.state?.terminated) state.terminated = { finishedAt: status.state.terminated.finishedAt };
  return { name: status.name, image: status.image, imageID: status.imageID, state };
}

export function slimPod(pod: Json): Json {
  const status = pod.status ?? {};
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: slimMetadata(pod.metadata),
    spec: { containers: (pod.spec?.containers ?? []).map((c: Json) => ({ name: c.name, image: c.image })) },
    status: { phase: status.phase, containerStatuses: (status.containerStatuses ?? []).map(slimContainerStatus) },
  };
}

/** A ReplicaSet or Job: who owns it (a Deployment, a CronJob) is all the pods' workloads need. */
export function slimOwner(kind: 'ReplicaSet' | 'Job', object: Json): Json {
  return { kind, apiVersion: kind === 'ReplicaSet' ? 'apps/v1' : 'batch/v1', metadata: slimMetadata(object.metadata) };
}

/**
 * A VulnerabilityReport: its identity, the workload labels that lead to the pods it is about, and the
 * report itself (held only until it is written; the feed keeps a hash of it, never the report).
 */
export function slimVulnerabilityReport(object: Json): Json {
  const { metadata = {}, report = {} } = object;
  const labels = Object.fromEntries(Object.entries(metadata.labels ?? {}).filter(([key]) => key.startsWith('trivy-operator.')));
  const nameAnnotation = metadata.annotations?.['trivy-operator.resource.name'];
  return {
    kind: 'VulnerabilityReport',
    apiVersion: object.apiVersion,
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      creationTimestamp: metadata.creationTimestamp,
      labels,
      ...(nameAnnotation !== undefined && { annotations: { 'trivy-operator.resource.name': nameAnnotation } }),
    },
    report: { updateTimestamp: report.updateTimestamp, scanner: report.scanner, registry: report.registry, artifact: report.artifact, os: report.os, vulnerabilities: report.vulnerabilities ?? [] },
  };
}
