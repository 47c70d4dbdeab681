// Amazon ECS "ECS Task State Change" EventBridge events -> unit observations.
// Accepts one event, a JSON array of events, or one event per line. Also accepts imagescope's "ECS Task
// Snapshot" (what `imagescope watch ecs` writes after each poll, in the same envelope): every task of
// one cluster that ListTasks returned, as DescribeTasks describes it, which is a complete listing of
// the cluster's running tasks at `time` (the running units of the cluster it does not list stopped).
import { imageKeyOf, type ImageKey, type ImageScope } from '../../domain/images.ts';
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import { defaultRegion, type ParseContext, type ParseResult, type Skipped } from '../parse-result.ts';
import type { SnapshotScope, UnitObservation, UnitState } from '../../domain/runtime-units.ts';

export const ecsDetailType = 'ECS Task State Change';
export const ecsSnapshotDetailType = 'ECS Task Snapshot';

// ECS task lifecycle: PROVISIONING -> PENDING -> ACTIVATING -> RUNNING -> DEACTIVATING -> STOPPING
// -> DEPROVISIONING -> STOPPED. Containers run from RUNNING until STOPPING ends.
const stateOfLastStatus: Record<string, UnitState> = {
  PROVISIONING: 'PENDING',
  PENDING: 'PENDING',
  ACTIVATING: 'PENDING',
  RUNNING: 'RUNNING',
  DEACTIVATING: 'RUNNING',
  STOPPING: 'RUNNING',
  DEPROVISIONING: 'STOPPED',
  STOPPED: 'STOPPED',
};

export function isEcsTaskEvent(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const detailType = (value as Record<string, unknown>)['detail-type'];
  return detailType === ecsDetailType || detailType === ecsSnapshotDetailType;
}

export function parseEcsTaskEvents(documents: JsonDocument[], context: ParseContext): ParseResult {
  const units: UnitObservation[] = [];
  const snapshots: SnapshotScope[] = [];
  const skipped: Skipped[] = [];
  for (const doc of documents) {
    const root = JsonReader.of(doc.value, doc.path);
    const events = Array.isArray(doc.value) ? root.items() : [root];
    for (const event of events) {
      event.object();
      const detailType = event.string('detail-type');
      if (detailType !== ecsDetailType && detailType !== ecsSnapshotDetailType) {
        event.fail(`expected '${ecsDetailType}' or '${ecsSnapshotDetailType}', found '${detailType}'`, 'detail-type');
      }
      const detail = event.child('detail').object();
      const eventTime = event.time('time');
      const scope = { accountId: context.accountId, region: context.region ?? event.optionalString('region') ?? defaultRegion };
      if (detailType === ecsDetailType) {
        units.push(parseTask(detail, eventTime, scope, skipped));
      } else {
        const clusterArn = detail.string('clusterArn');
        const tasks = detail.array('tasks').map((task) => parseTask(task.object(), eventTime, scope, skipped, clusterArn));
        units.push(...tasks);
        snapshots.push({ platform: 'ECS', clusterArn, at: eventTime, unitIds: tasks.map((t) => t.unitId) });
      }
    }
  }
  return { runtime: { units, snapshots }, skipped, images: units.flatMap((u) => u.images) };
}

/** One task, as an event's `detail` or DescribeTasks describes it; `clusterArn`: the snapshot's cluster. */
function parseTask(detail: JsonReader, eventTime: number, scope: ImageScope, skipped: Skipped[], clusterArn?: string): UnitObservation {
  const lastStatus = detail.string('lastStatus');
  const state = stateOfLastStatus[lastStatus];
  if (!state) detail.fail(`unknown task status '${lastStatus}'`, 'lastStatus');
  const observedAt = Math.max(eventTime, detail.optionalTime('updatedAt') ?? eventTime);
  if (clusterArn !== undefined && detail.string('clusterArn') !== clusterArn) detail.fail(`task of another cluster in the snapshot of ${clusterArn}`, 'clusterArn');
  const unitImages: ImageKey[] = [];
  detail.array('containers').forEach((container) => {
    container.object();
    const reference = container.string('image');
    const key = imageKeyOf(reference, scope, container.optionalString('imageDigest'));
    if (key) unitImages.push(key);
    else skipped.push({ path: container.path, reason: `image '${reference}' has no manifest digest (imageDigest) yet` });
  });
  return {
    unitId: detail.string('taskArn'),
    platform: 'ECS',
    clusterArn: detail.string('clusterArn'),
    detailsGroup: detail.optionalString('group') ?? `family:${familyOf(detail.string('taskDefinitionArn'))}`,
    taskDefinitionArn: detail.string('taskDefinitionArn'),
    state,
    version: detail.number('version'),
    observedAt,
    stoppedAt: state === 'STOPPED' ? (detail.optionalTime('stoppedAt') ?? detail.optionalTime('executionStoppedAt') ?? observedAt) : undefined,
    images: unitImages,
  };
}

function familyOf(taskDefinitionArn: string): string {
  return taskDefinitionArn.replace(/^.*:task-definition\//, '').replace(/:\d+$/, '');
}
