// Applies runtime observations. Events arrive at least once and in any order, so a unit's row only
// moves forward: an observation with a higher version replaces it (with its images); one with the
// same version may only refresh the time the unit was last seen running; an older one changes nothing.
// Every change also moves the unit's weight in the per-image usage rollups (image-usage.ts).
import type { Kysely } from 'kysely';
import { pruneStops, storedUnits, UsageDelta, unitUses, withImages, type UnitUse } from './image-usage.ts';
import type { RuntimeBatches, RuntimeWriteSummary, SnapshotScope, UnitObservation } from '../domain/runtime-units.ts';
import { recordConsoleChange, recordSourceActivity } from './console-activity.ts';
import { ExposureChanges } from './exposure-writes.ts';
import type { Database, RuntimeUnitRow } from './schema.ts';
import { chunks } from './transactions.ts';

const rowsPerStatement = 400;

/** The names the console shows for the runtime sources. */
const runtimeSources = { ECS: 'ECS', EKS: 'Kubernetes' } as const;

/**
 * Applies the batches in order, in the caller's transaction. They are taken one at a time, so that a
 * large snapshot can be parsed and written a page at a time and never exists whole in memory; the
 * snapshots of every batch are applied after all their units.
 */
export async function applyRuntime(trx: Kysely<Database>, accountId: string, batches: RuntimeBatches, now: number): Promise<RuntimeWriteSummary> {
  const summary: RuntimeWriteSummary = { applied: 0, unchanged: 0, stoppedBySnapshot: 0 };
  const usage = new UsageDelta(accountId);
  const exposures = new ExposureChanges(accountId, 'runtime');
  const snapshots: SnapshotScope[] = [];
  const platforms = new Set<'ECS' | 'EKS'>();
  for await (const batch of batches) {
    for (const unit of batch.units) {
      platforms.add(unit.platform);
      exposures.clusterSeen(unit.clusterArn);
    }
    for (const snapshot of batch.snapshots) platforms.add(snapshot.platform);
    const latest = latestPerUnit(batch.units);
    summary.unchanged += batch.units.length - latest.length;
    for (const chunk of chunks(latest, rowsPerStatement)) await applyUnits(trx, accountId, chunk, usage, summary);
    snapshots.push(...batch.snapshots);
  }
  for (const snapshot of snapshots) summary.stoppedBySnapshot += await stopMissing(trx, accountId, snapshot, usage);
  await usage.apply(trx);
  for (const image of usage.runningChanged()) exposures.runningChanged(image);
  await exposures.apply(trx, now);
  await pruneStops(trx, accountId, now);
  await recordSourceActivity(trx, accountId, [...platforms].map((p) => runtimeSources[p]), now);
  if (usage.changedImages > 0) await recordConsoleChange(trx, accountId, now);
  return summary;
}

/**
 * Units of distinct ids: the newer ones replace the stored rows; unchanged running ones only move
 * their last-seen time forward. Deciding from the stored rows read first (in the same transaction)
 * lets a relist of unchanged pods write nothing but that time, in a few statements.
 */
async function applyUnits(trx: Kysely<Database>, accountId: string, units: UnitObservation[], usage: UsageDelta, summary: RuntimeWriteSummary): Promise<void> {
  const stored = await storedUnits(trx, accountId, units.map((u) => u.unitId));
  const newer = units.filter((u) => !stored.has(u.unitId) || u.version > stored.get(u.unitId)!.version);
  // Only the units being replaced need their old images (to take them out of the rollups).
  await withImages(trx, accountId, new Map(newer.filter((u) => stored.has(u.unitId)).map((u) => [u.unitId, stored.get(u.unitId)!])));
  const written = newer.length ? await upsertNewer(trx, accountId, newer) : new Set<string>();
  summary.applied += written.size;
  await replaceImages(trx, accountId, newer.filter((u) => written.has(u.unitId)));
  const seenRunning: UnitObservation[] = [];
  for (const unit of units) {
    const old = stored.get(unit.unitId);
    if (written.has(unit.unitId)) {
      if (old) usage.remove(old);
      usage.add(useOf(accountId, unit));
      continue;
    }
    summary.unchanged++;
    const refreshes = old && unit.state === 'RUNNING' && old.state === 'RUNNING' && old.version === unit.version && old.observed_at < unit.observedAt;
    if (refreshes) {
      seenRunning.push(unit);
      usage.seen(useOf(accountId, unit), unit.observedAt);
    }
  }
  await refreshSeenRunning(trx, accountId, seenRunning);
}

function useOf(accountId: string, unit: UnitObservation): UnitUse {
  return { ...toRow(accountId, unit), images: unit.images };
}

/** Within one input the same unit may appear many times (an event stream): keep its newest state. */
function latestPerUnit(units: UnitObservation[]): UnitObservation[] {
  const byId = new Map<string, UnitObservation>();
  for (const unit of units) {
    const seen = byId.get(unit.unitId);
    if (!seen || unit.version > seen.version || (unit.version === seen.version && unit.observedAt > seen.observedAt)) {
      byId.set(unit.unitId, unit);
    }
  }
  return [...byId.values()];
}

function toRow(accountId: string, unit: UnitObservation): RuntimeUnitRow {
  return {
    account_id: accountId,
    unit_id: unit.unitId,
    platform: unit.platform,
    cluster_arn: unit.clusterArn,
    details_group: unit.detailsGroup,
    task_definition_arn: unit.taskDefinitionArn ?? null,
    workload_name: unit.workload?.name ?? null,
    workload_type: unit.workload?.type ?? null,
    state: unit.state,
    version: unit.version,
    observed_at: unit.observedAt,
    stopped_at: unit.stoppedAt ?? null,
  };
}

/** Inserts new units and replaces those whose stored version is older; returns the ids written. */
async function upsertNewer(trx: Kysely<Database>, accountId: string, units: UnitObservation[]): Promise<Set<string>> {
  const rows = await trx
    .insertInto('runtime_units')
    .values(units.map((u) => toRow(accountId, u)))
    .onConflict((oc) =>
      oc
        .columns(['account_id', 'unit_id'])
        .doUpdateSet((eb) => ({
          platform: eb.ref('excluded.platform'),
          cluster_arn: eb.ref('excluded.cluster_arn'),
          details_group: eb.ref('excluded.details_group'),
          task_definition_arn: eb.ref('excluded.task_definition_arn'),
          workload_name: eb.ref('excluded.workload_name'),
          workload_type: eb.ref('excluded.workload_type'),
          state: eb.ref('excluded.state'),
          version: eb.ref('excluded.version'),
          observed_at: eb.ref('excluded.observed_at'),
          stopped_at: eb.ref('excluded.stopped_at'),
        }))
        .where((eb) => eb('excluded.version', '>', eb.ref('runtime_units.version'))),
    )
    .returning('unit_id')
    .execute();
  return new Set(rows.map((r) => r.unit_id));
}

async function replaceImages(trx: Kysely<Database>, accountId: string, units: UnitObservation[]): Promise<void> {
  if (units.length === 0) return;
  await trx
    .deleteFrom('runtime_unit_images')
    .where('account_id', '=', accountId)
    .where('unit_id', 'in', units.map((u) => u.unitId))
    .execute();
  const rows = units.flatMap((u) =>
    u.images.map((image) => ({ account_id: accountId, unit_id: u.unitId, image_repository: image.repository, image_digest: image.digest })),
  );
  for (const chunk of chunks(rows, rowsPerStatement)) {
    await trx.insertInto('runtime_unit_images').values(chunk).onConflict((oc) => oc.doNothing()).execute();
  }
}

/** Unchanged running units seen again (a resync) move their `lastInUse` forward: one statement per observation time. */
async function refreshSeenRunning(trx: Kysely<Database>, accountId: string, units: UnitObservation[]): Promise<void> {
  const byTime = new Map<number, string[]>();
  for (const unit of units) {
    const ids = byTime.get(unit.observedAt) ?? [];
    if (ids.push(unit.unitId) === 1) byTime.set(unit.observedAt, ids);
  }
  for (const [observedAt, unitIds] of byTime) {
    await trx
      .updateTable('runtime_units')
      .set({ observed_at: observedAt })
      .where('account_id', '=', accountId)
      .where('unit_id', 'in', unitIds)
      .where('state', '=', 'RUNNING')
      .where('observed_at', '<', observedAt)
      .execute();
  }
}

/** Running units of the snapshot's scope that it no longer lists stopped at the snapshot time. */
async function stopMissing(trx: Kysely<Database>, accountId: string, snapshot: SnapshotScope, usage: UsageDelta): Promise<number> {
  let query = trx
    .selectFrom('runtime_units')
    .select('unit_id')
    .where('account_id', '=', accountId)
    .where('cluster_arn', '=', snapshot.clusterArn)
    .where('platform', '=', snapshot.platform)
    .where('state', '=', 'RUNNING')
    .where('observed_at', '<=', snapshot.at);
  if (snapshot.namespace) query = query.where('details_group', '=', snapshot.namespace);
  const listed = new Set(snapshot.unitIds);
  const missing = (await query.execute()).map((r) => r.unit_id).filter((id) => !listed.has(id));
  for (const chunk of chunks(missing, rowsPerStatement)) {
    for (const old of (await unitUses(trx, accountId, chunk)).values()) {
      usage.remove(old);
      usage.add({ ...old, state: 'STOPPED', stopped_at: snapshot.at });
    }
    await trx
      .updateTable('runtime_units')
      .set({ state: 'STOPPED', stopped_at: snapshot.at })
      .where('account_id', '=', accountId)
      .where('unit_id', 'in', chunk)
      .execute();
  }
  return missing.length;
}
