// Amazon ECS "ECS Task State Change" EventBridge events -> unit observations.
// Accepts one event, a JSON array of events, or one event per line.
import { imageKeyOf, type ImageKey } from '../images.ts';
import type { JsonDocument } from '../json-documents.ts';
import { JsonReader } from '../json-reader.ts';
import { defaultRegion, type ParseContext, type ParseResult, type Skipped } from '../parse-result.ts';
import type { UnitObservation, UnitState } from './observations.ts';

export const ecsDetailType = 'ECS Task State Change';

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
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)['detail-type'] === ecsDetailType;
}

export function parseEcsTaskEvents(documents: JsonDocument[], context: ParseContext): ParseResult {
  const units: UnitObservation[] = [];
  const skipped: Skipped[] = [];
  const images: ImageKey[] = [];
  for (const doc of documents) {
    const root = JsonReader.of(doc.value, doc.path);
    const events = Array.isArray(doc.value) ? root.items() : [root];
    for (const event of events) {
      const unit = parseEvent(event, context, skipped);
      units.push(unit);
      images.push(...unit.images);
    }
  }
  return { runtime: { units, snapshots: [] }, skipped, images };
}

function parseEvent(event: JsonReader, context: ParseContext, skipped: Skipped[]): UnitObservation {
  event.object();
  const detailType = event.string('detail-type');
  if (detailType !== ecsDetailType) event.fail(`expected '${ecsDetailType}', found '${detailType}'`, 'detail-type');
  const detail = event.child('detail').object();
  const lastStatus = detail.string('lastStatus');
  const state = stateOfLastStatus[lastStatus];
  if (!state) detail.fail(`unknown task status '${lastStatus}'`, 'lastStatus');
  const eventTime = event.time('time');
  const observedAt = Math.max(eventTime, detail.optionalTime('updatedAt') ?? eventTime);
  const scope = { accountId: context.accountId, region: context.region ?? event.optionalString('region') ?? defaultRegion };
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
