// What each live pod's containers run, found by the workload that owns the pod: the watcher's own view
// of the cluster, which a trivy-operator report's labels (resource kind, name, namespace, container)
// are resolved against. A pod is filed under itself, its owners (a ReplicaSet, a Job, a StatefulSet)
// and their owners (the CronJob of a Job), since trivy-operator names whichever of them it scanned.
// It costs memory per pod (~1 KB), so it is kept only once the cluster serves those reports.
type Json = Record<string, any>;

export interface RunningContainer {
  /** The reference the pod was started from (`nginx:1.16`). */
  image: string;
  /** What kubelet reports it runs (`docker.io/library/nginx@sha256:...`); empty until pulled. */
  imageID: string;
}

interface PodContainers {
  namespace: string;
  workloads: string[];
  containers: Map<string, RunningContainer>;
}

const workloadKey = (namespace: string, kind: string, name: string) => `${namespace}/${kind}/${name}`;

export class WorkloadContainers {
  private readonly pods = new Map<string, PodContainers>();
  private readonly byWorkload = new Map<string, Set<string>>();
  private kept = false;

  /** `ownerOf` names the owners of a pod's owner (namespace/kind/name -> its owner references). */
  constructor(private readonly ownerOf: (namespace: string, kind: string, name: string) => { kind: string; name: string }[]) {}

  /** Whether pods are kept: from `keep()` on; until then every call is a no-op. */
  get keeping(): boolean {
    return this.kept;
  }

  keep(): void {
    this.kept = true;
  }

  /** A pod as the watcher keeps it (slim-objects.ts), until it is deleted (`remove`). */
  put(pod: Json): void {
    const { uid, namespace, name, ownerReferences = [] } = pod.metadata ?? {};
    if (!this.kept || !uid || !namespace || !name) return;
    this.remove(uid);
    const containers = new Map<string, RunningContainer>();
    for (const status of pod.status?.containerStatuses ?? []) {
      if (status.name) containers.set(status.name, { image: status.image ?? '', imageID: status.imageID ?? '' });
    }
    // Before its statuses exist, a pod says only what it was started from.
    for (const container of pod.spec?.containers ?? []) {
      if (container.name && !containers.has(container.name)) containers.set(container.name, { image: container.image ?? '', imageID: '' });
    }
    const workloads = [workloadKey(namespace, 'Pod', name)];
    for (const owner of ownerReferences as { kind: string; name: string }[]) {
      workloads.push(workloadKey(namespace, owner.kind, owner.name));
      for (const grand of this.ownerOf(namespace, owner.kind, owner.name)) workloads.push(workloadKey(namespace, grand.kind, grand.name));
    }
    this.pods.set(uid, { namespace, workloads, containers });
    for (const key of workloads) {
      let uids = this.byWorkload.get(key);
      if (!uids) this.byWorkload.set(key, (uids = new Set()));
      uids.add(uid);
    }
  }

  remove(uid: string): void {
    const pod = this.pods.get(uid);
    if (!pod) return;
    this.pods.delete(uid);
    for (const key of pod.workloads) {
      const uids = this.byWorkload.get(key);
      uids?.delete(uid);
      if (uids?.size === 0) this.byWorkload.delete(key);
    }
  }

  /** Forgets the pods of a scope (one namespace, or every one) that a complete list did not name. */
  keepOnly(listed: Set<string>, namespace: string | undefined): void {
    for (const [uid, pod] of this.pods) if (!listed.has(uid) && (!namespace || pod.namespace === namespace)) this.remove(uid);
  }

  /**
   * What the workload's container runs now: a pod whose imageID names a digest first (kubelet has
   * pulled it), else any pod's reference; undefined when no live pod of the workload has the container.
   */
  find(namespace: string, kind: string, name: string, container: string): RunningContainer | undefined {
    let found: RunningContainer | undefined;
    for (const uid of this.byWorkload.get(workloadKey(namespace, kind, name)) ?? []) {
      const running = this.pods.get(uid)?.containers.get(container);
      if (running?.imageID) return running;
      found ??= running;
    }
    return found;
  }
}
