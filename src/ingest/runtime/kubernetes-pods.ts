// Kubernetes Pods -> unit observations. Accepts a `kubectl get pods -A -o json` List (a complete
// snapshot of the cluster, or of one namespace with --namespace), a single Pod, or watch events
// `{"type", "object"}` one per line. Pods do not name their cluster, so the ingest names it.
// ReplicaSets and Jobs in the same input (List items, or watch events of `kubectl get
// pods,replicasets,jobs -w`) tell the pods' top-level workloads.
import { imageKeyOf, parseImageReference, resourceIdOf, type ImageKey, type ImageScope } from '../../domain/images.ts';
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import { defaultRegion, type ParseContext, type ParseResult, type Skipped } from '../parse-result.ts';
import { indexOwners, workloadOfPod, type OwnerIndex } from './kubernetes-workloads.ts';
import type { SnapshotScope, UnitObservation, UnitState } from '../../domain/runtime-units.ts';

const missingClusterReason =
  'Kubernetes objects do not name their cluster: pass --cluster-arn arn:aws:eks:<region>:<account>:cluster/<name>';
const watchTypes = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

export function isKubernetesDocument(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.type === 'string' && watchTypes.has(v.type) && typeof v.object === 'object') return true;
  return (v.kind === 'Pod' || v.kind === 'PodList' || v.kind === 'List') && typeof v.apiVersion === 'string';
}

/** Pods read one at a time into units, with the images they name and what was skipped. */
class PodReader {
  readonly units: UnitObservation[] = [];
  readonly snapshots: SnapshotScope[] = [];
  readonly skipped: Skipped[] = [];
  private readonly images = new Map<string, ImageKey>();
  private readonly scope: ImageScope;

  constructor(private readonly context: ParseContext) {
    this.scope = { accountId: context.accountId, region: context.region ?? regionOf(context.clusterArn) };
  }

  read(pod: JsonReader, owners: OwnerIndex, deleted: boolean): UnitObservation {
    if (!this.context.clusterArn) pod.fail(missingClusterReason);
    const unit = observePod(pod, { clusterArn: this.context.clusterArn!, scope: this.scope, owners, deleted, now: this.context.now, skipped: this.skipped });
    if (this.context.namespace && unit.detailsGroup !== this.context.namespace) {
      pod.fail(`pod is in namespace '${unit.detailsGroup}' but the ingest is limited to --namespace '${this.context.namespace}'`, 'metadata');
    }
    unit.images.forEach((key) => this.images.set(resourceIdOf(key), key));
    this.units.push(unit);
    return unit;
  }

  /** A complete list of the ingest's scope (the cluster, or --namespace), at the ingest time. */
  snapshot(unitIds: string[]): void {
    this.snapshots.push({ platform: 'EKS', clusterArn: this.context.clusterArn!, namespace: this.context.namespace, at: this.context.now, unitIds });
  }

  result(): ParseResult {
    return { runtime: { units: this.units, snapshots: this.snapshots }, skipped: this.skipped, images: [...this.images.values()] };
  }
}

export function parseKubernetesPods(documents: JsonDocument[], context: ParseContext): ParseResult {
  const pods = new PodReader(context);
  const eventOwners = indexOwners(ownerEventObjects(documents));
  for (const doc of documents) {
    const root = JsonReader.of(doc.value, doc.path).object();
    if (!context.clusterArn) root.fail(missingClusterReason);
    const kind = root.raw('kind');
    if (kind === 'PodList' || kind === 'List') {
      const items = root.array('items');
      const owners = indexOwners(items);
      const listed = items.filter((item) => item.object().raw('kind') === 'Pod' || (kind === 'PodList' && item.raw('kind') === undefined));
      pods.snapshot(listed.map((pod) => pods.read(pod, owners, false).unitId));
    } else if (kind === 'Pod') {
      pods.read(root, new Map(), false);
    } else {
      const type = root.string('type');
      if (!watchTypes.has(type)) root.fail(`unknown watch event type '${type}'`, 'type');
      if (type === 'BOOKMARK') continue;
      if (type === 'ERROR') root.fail('the watch stream reported an error; re-list the pods and ingest the list');
      const object = root.child('object').object();
      const objectKind = object.raw('kind');
      if (objectKind === 'ReplicaSet' || objectKind === 'Job') continue; // owners, indexed above
      if (objectKind !== undefined && objectKind !== 'Pod') {
        pods.skipped.push({ path: object.path, reason: `watch event for a ${String(objectKind)}, not a Pod` });
        continue;
      }
      pods.read(object, eventOwners, type === 'DELETED');
    }
  }
  return pods.result();
}

/**
 * A List given as its owners (ReplicaSets, Jobs, as JSON text) and its pods in pages, as a live feed
 * reads them from the API server: the pages may still be arriving while the List is ingested.
 */
export interface KubernetesListPages {
  owners: string[];
  pods: AsyncIterable<object[]>;
}

/**
 * The same as ingesting `{"kind": "List", "items": [...owners, ...pods]}`, read a page at a time:
 * each result holds the units of one page, and the last one the snapshot of them all. Taken one at a
 * time inside the store's transaction, the list never exists whole in memory: how a live feed's
 * snapshots of large clusters are read.
 */
export async function* parseKubernetesListPages(list: KubernetesListPages, context: ParseContext): AsyncGenerator<ParseResult> {
  const owners = indexOwners(list.owners.map((text, i) => JsonReader.of(JSON.parse(text), `$.items[${i}]`)));
  const unitIds: string[] = [];
  for await (const page of list.pods) {
    const pods = new PodReader(context);
    for (const pod of page) unitIds.push(pods.read(JsonReader.of(pod, `$.items[${list.owners.length + unitIds.length}]`).object(), owners, false).unitId);
    yield pods.result();
  }
  const last = new PodReader(context);
  last.snapshot(unitIds);
  yield last.result();
}

/** That List as one JSON text, for a server's ingest endpoint. */
export async function kubernetesListText(list: KubernetesListPages): Promise<string> {
  const items = [...list.owners];
  for await (const page of list.pods) for (const pod of page) items.push(JSON.stringify(pod));
  return `{"kind":"List","apiVersion":"v1","items":[${items.join(',')}]}`;
}

/** The ReplicaSets and Jobs that watch events of the input carry (not deleted ones: they own nothing now). */
function ownerEventObjects(documents: JsonDocument[]): JsonReader[] {
  const owners: JsonReader[] = [];
  for (const doc of documents) {
    const event = doc.value as { type?: unknown; object?: { kind?: unknown } } | null;
    if (typeof event !== 'object' || event === null || event.type === 'DELETED' || typeof event.object !== 'object' || event.object === null) continue;
    if (event.object.kind === 'ReplicaSet' || event.object.kind === 'Job') owners.push(JsonReader.of(event.object, `${doc.path}.object`));
  }
  return owners;
}

interface PodContext {
  clusterArn: string;
  scope: ImageScope;
  owners: OwnerIndex;
  deleted: boolean;
  now: number;
  skipped: Skipped[];
}

function observePod(pod: JsonReader, context: PodContext): UnitObservation {
  const metadata = pod.child('metadata').object();
  const name = metadata.string('name');
  const namespace = metadata.optionalString('namespace') ?? 'default';
  const uid = metadata.optionalString('uid');
  const resourceVersion = metadata.optionalString('resourceVersion');
  const status = pod.child('status');
  const statuses = status.isObject() ? (status.optionalArray('containerStatuses') ?? []) : [];
  const phase = status.isObject() ? status.optionalString('phase') : undefined;
  const finishedAt = Math.max(0, ...statuses.map((s) => s.child('state').child('terminated').optionalTime('finishedAt') ?? 0));
  let state: UnitState;
  if (context.deleted || phase === 'Succeeded' || phase === 'Failed') state = 'STOPPED';
  else if (phase === 'Running' || phase === 'Unknown') state = 'RUNNING';
  else state = statuses.some((s) => s.child('state').has('running')) ? 'RUNNING' : 'PENDING';
  return {
    unitId: `${context.clusterArn}/pod/${uid ?? `${namespace}/${name}`}`,
    platform: 'EKS',
    clusterArn: context.clusterArn,
    detailsGroup: namespace,
    workload: workloadOfPod(metadata, namespace, context.owners),
    state,
    version: resourceVersion && /^\d+$/.test(resourceVersion) ? Number(resourceVersion) : 0,
    observedAt: context.now,
    stoppedAt: state === 'STOPPED' ? Math.min(finishedAt || context.now, context.now) : undefined,
    images: podImages(pod, statuses, context),
  };
}

/** The distinct images a pod's containers run, keyed on the manifest digest kubelet reports. */
function podImages(pod: JsonReader, statuses: JsonReader[], context: PodContext): ImageKey[] {
  const keys = new Map<string, ImageKey>();
  const add = (key: ImageKey | undefined, where: JsonReader, reference: string) => {
    if (key) keys.set(resourceIdOf(key), key);
    else context.skipped.push({ path: where.path, reason: `image '${reference}' has no manifest digest yet` });
  };
  if (statuses.length > 0) {
    for (const s of statuses) {
      s.object();
      const reference = s.string('image');
      const imageId = s.optionalString('imageID') ?? '';
      const fromId = parseImageReference(imageId);
      // imageID is `repo@sha256:...` (sometimes with docker-pullable://); a bare digest names no repo.
      const key = fromId?.digest ? imageKeyOf(imageId, context.scope) : imageKeyOf(reference, context.scope, imageId.startsWith('sha256:') ? imageId : undefined);
      add(key, s, reference);
    }
  } else {
    for (const container of pod.child('spec').array('containers')) {
      const reference = container.string('image');
      add(imageKeyOf(reference, context.scope), container, reference);
    }
  }
  return [...keys.values()];
}

function regionOf(clusterArn: string | undefined): string {
  return clusterArn?.split(':')[3] || defaultRegion;
}
