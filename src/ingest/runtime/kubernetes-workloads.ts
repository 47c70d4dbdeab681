// The top-level workload that owns a pod, walking ownerReferences Pod -> ReplicaSet -> Deployment
// and Pod -> Job -> CronJob. The owners' owners come from ReplicaSet and Job objects in the same
// input when it has them (`kubectl get pods,replicasets,jobs -A -o json`); a plain pod dump does not,
// so the controllers' naming rules are used instead: a Deployment's ReplicaSet is named
// `<deployment>-<pod-template-hash>` (the hash is also a pod label), and a CronJob's Job is named
// `<cronjob>-<scheduled time in minutes since the epoch>`.
import type { JsonReader } from '../json-reader.ts';

export interface Workload {
  name: string;
  type: string;
}

/** Owners of ReplicaSets and Jobs found in the input, by `namespace/kind/name`. */
export type OwnerIndex = Map<string, Workload>;

export function indexOwners(objects: JsonReader[]): OwnerIndex {
  const index: OwnerIndex = new Map();
  for (const object of objects) {
    const kind = object.raw('kind');
    if (kind !== 'ReplicaSet' && kind !== 'Job') continue;
    const metadata = object.child('metadata');
    const owner = controllerOf(metadata);
    if (owner) index.set(`${metadata.optionalString('namespace') ?? 'default'}/${kind}/${metadata.string('name')}`, owner);
  }
  return index;
}

function controllerOf(metadata: JsonReader): Workload | undefined {
  const owners = metadata.optionalArray('ownerReferences') ?? [];
  const owner = owners.find((o) => o.raw('controller') === true) ?? owners[0];
  return owner ? { name: owner.string('name'), type: owner.string('kind') } : undefined;
}

export function workloadOfPod(metadata: JsonReader, namespace: string, owners: OwnerIndex): Workload {
  const podName = metadata.string('name');
  const owner = controllerOf(metadata);
  if (!owner) return { name: podName, type: 'Pod' };
  const known = owners.get(`${namespace}/${owner.type}/${owner.name}`);
  if (known) return known;
  if (owner.type === 'ReplicaSet') {
    const hash = metadata.child('labels').optionalString('pod-template-hash');
    if (hash && owner.name.endsWith(`-${hash}`)) return { name: owner.name.slice(0, -hash.length - 1), type: 'Deployment' };
    return owner;
  }
  if (owner.type === 'Job') {
    const scheduled = /^(.+)-(\d{8,})$/.exec(owner.name);
    if (scheduled) return { name: scheduled[1], type: 'CronJob' };
  }
  return owner;
}
