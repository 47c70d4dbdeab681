// What each live pod's containers run, found by the workload that owns the pod: the watcher's own view
// of the cluster, which a trivy-operator report's labels (resource kind, name, namespace, container)
// are resolved against. A pod is found by its own name, its owners (a ReplicaSet, a Job, a
// StatefulSet) and their owners (the CronJob of a Job), since trivy-operator names whichever of them
// it scanned. It is kept only once the cluster serves those reports, and lean: the pods of one
// workload share their owners' keys and (nearly always) one description of their containers, so a
// pod costs little more than its name (~0.3 KB at 50,000 pods).
type Json = Record<string, any>;

export interface RunningContainer {
  /** The reference the pod was started from (`nginx:1.16`). */
  image: string;
  /** What kubelet reports it runs (`docker.io/library/nginx@sha256:...`); empty until pulled. */
  imageID: string;
}

interface KeptPod {
  /** `namespace/kind/name` of its owners and their owners, interned. */
  owners: string[];
  /** Its containers as `name\timage\timageID` lines, interned. */
  containers: string;
}

const podKey = (namespace: string, name: string) => `${namespace}/${name}`;
const workloadKey = (namespace: string, kind: string, name: string) => `${namespace}/${kind}/${name}`;

export class WorkloadContainers {
  /** By `namespace/name`: a pod is one name at a time, and a report of kind Pod names it so. */
  private readonly pods = new Map<string, KeptPod>();
  /** The pods of each owner, by its key. */
  private readonly byOwner = new Map<string, Set<string>>();
  private interned = new Map<string, string>();
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
    const { namespace, name, ownerReferences = [] } = pod.metadata ?? {};
    if (!this.kept || !namespace || !name) return;
    const key = podKey(namespace, name);
    this.remove(namespace, name);
    const lines = new Map<string, string>();
    for (const status of pod.status?.containerStatuses ?? []) if (status.name) lines.set(status.name, `${status.name}\t${status.image ?? ''}\t${status.imageID ?? ''}`);
    // Before its statuses exist, a pod says only what it was started from.
    for (const container of pod.spec?.containers ?? []) if (container.name && !lines.has(container.name)) lines.set(container.name, `${container.name}\t${container.image ?? ''}\t`);
    const owners: string[] = [];
    for (const owner of ownerReferences as { kind: string; name: string }[]) {
      owners.push(this.intern(workloadKey(namespace, owner.kind, owner.name)));
      for (const grand of this.ownerOf(namespace, owner.kind, owner.name)) owners.push(this.intern(workloadKey(namespace, grand.kind, grand.name)));
    }
    this.pods.set(key, { owners, containers: this.intern([...lines.values()].join('\n')) });
    for (const owner of owners) {
      let pods = this.byOwner.get(owner);
      if (!pods) this.byOwner.set(owner, (pods = new Set()));
      pods.add(key);
    }
  }

  remove(namespace: string, name: string): void {
    const key = podKey(namespace, name);
    const pod = this.pods.get(key);
    if (!pod) return;
    this.pods.delete(key);
    for (const owner of pod.owners) {
      const pods = this.byOwner.get(owner);
      pods?.delete(key);
      if (pods?.size === 0) this.byOwner.delete(owner);
    }
  }

  /** Forgets the pods of a scope (one namespace, or every one) that a complete list did not name (`namespace/name`). */
  keepOnly(listed: Set<string>, namespace: string | undefined): void {
    for (const key of this.pods.keys()) {
      if (!listed.has(key) && (!namespace || key.startsWith(`${namespace}/`))) this.remove(key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1));
    }
    // After a list of every pod, what no pod uses is let go.
    if (!namespace) this.interned = new Map([...this.pods.values()].flatMap((p) => [...p.owners, p.containers]).map((s) => [s, s]));
  }

  /**
   * What the workload's container runs now: a pod whose imageID names a digest first (kubelet has
   * pulled it), else any pod's reference; undefined when no live pod of the workload has the container.
   */
  find(namespace: string, kind: string, name: string, container: string): RunningContainer | undefined {
    const keys = kind === 'Pod' ? [podKey(namespace, name)] : (this.byOwner.get(workloadKey(namespace, kind, name)) ?? []);
    let found: RunningContainer | undefined;
    for (const key of keys) {
      const running = containerOf(this.pods.get(key), container);
      if (running?.imageID) return running;
      found ??= running;
    }
    return found;
  }

  private intern(value: string): string {
    const known = this.interned.get(value);
    if (known !== undefined) return known;
    this.interned.set(value, value);
    return value;
  }
}

function containerOf(pod: KeptPod | undefined, name: string): RunningContainer | undefined {
  for (const line of pod?.containers.split('\n') ?? []) {
    const [container, image = '', imageID = ''] = line.split('\t');
    if (container === name) return { image, imageID };
  }
  return undefined;
}
