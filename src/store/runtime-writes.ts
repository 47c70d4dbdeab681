// Applies runtime observations. Events arrive at least once and in any order, so a unit's row only
// moves forward: an observation with a higher version replaces it (with its images); one with the
// same version may only refresh the time the unit was last seen running; an older one changes nothing.
// Every change also moves the unit's weight in the per-image usage rollups (image-usage.ts).
import type { Kysely } from 'kysely';
import { pruneStops, UsageDelta, unitUses, type UnitUse } from './image-usage.ts';
import type { RuntimeBatch, RuntimeWriteSummary, SnapshotScope, UnitObservation } from '../ingest/runtime/observations.ts';
import type { Database, RuntimeUnitRow } from './schema.ts';
import { chunks } from './transactions.ts';

const rowsPerStatement = 400;

export async function applyRuntime(trx: Kysely<Database>, accountId: string, batch: RuntimeBatch, now: number): Promise<RuntimeWriteSummary> {
  const latest = latestPerUnit(batch.units);
  const summary: RuntimeWriteSummary = { applied: 0, unchanged: batch.units.length - latest.length, stoppedBySnapshot: 0 };
  const usage = new UsageDelta(accountId);
  for (const chunk of chunks(latest, rowsPerStatement)) {
    const before = await unitUses(trx, accountId, chunk.map((u) => u.unitId));
    const written = await upsertNewer(trx, accountId, chunk);
    summary.applied += written.size;
    await replaceImages(trx, accountId, chunk.filter((u) => written.has(u.unitId)));
    for (const unit of chunk) {
      const old = before.get(unit.unitId);
      if (written.has(unit.unitId)) {
        if (old) usage.remove(old);
        usage.add(useOf(accountId, unit));
      } else {
        summary.unchanged++;
        if (await refreshSeenRunning(trx, accountId, unit)) usage.seen(useOf(accountId, unit), unit.observedAt);
      }
    }
  }
  for (const snapshot of batch.snapshots) summary.stoppedBySnapshot += await stopMissing(trx, accountId, snapshot, usage);
  await usage.apply(trx);
  await pruneStops(trx, accountId, now);
  return summary;
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

/** A resync of an unchanged running unit moves its `lastInUse` forward; true when it did. */
async function refreshSeenRunning(trx: Kysely<Database>, accountId: string, unit: UnitObservation): Promise<boolean> {
  if (unit.state !== 'RUNNING') return false;
  const result = await trx
    .updateTable('runtime_units')
    .set({ observed_at: unit.observedAt })
    .where('account_id', '=', accountId)
    .where('unit_id', '=', unit.unitId)
    .where('version', '=', unit.version)
    .where('state', '=', 'RUNNING')
    .where('observed_at', '<', unit.observedAt)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
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
