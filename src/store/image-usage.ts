// Keeps the runtime-use rollups (image_usage, image_stops, image_workloads) current as units change,
// in the ingest's transaction: each unit that moves from one state to another takes its old state out
// and puts its new one in. GetClustersForImage then reads groups, never units. Each image whose groups
// changed then has its one-row summary (image-runtime.ts) counted again from its groups.
import type { Kysely } from 'kysely';
import type { ImageKey } from '../domain/images.ts';
import type { Database, ImageGroupKey, ImageStopRow, RuntimeUnitRow } from './schema.ts';
import { summariseImageRuntime } from './image-runtime.ts';
import { chunks } from './transactions.ts';

/** A unit as the rollups see it: where it is, what it runs, and its state. */
export type UnitUse = Pick<RuntimeUnitRow, 'unit_id' | 'version' | 'cluster_arn' | 'platform' | 'details_group' | 'task_definition_arn' | 'workload_name' | 'workload_type' | 'state' | 'observed_at' | 'stopped_at'> & {
  images: ImageKey[];
};

interface Change {
  key: ImageGroupKey;
  running: number;
  lastInUse: number;
}

const rowsPerStatement = 300;
const imagesPerStatement = 100;

export class UsageDelta {
  private readonly usage = new Map<string, Change>();
  private readonly workloads = new Map<string, Change & { type: string; name: string }>();
  private readonly stops: ImageStopRow[] = [];
  /** Images whose groups change, by repository and digest. */
  private readonly images = new Map<string, ImageKey>();
  /** Images whose running units change somewhere (not only their last use). */
  private readonly running = new Map<string, ImageKey>();

  constructor(private readonly accountId: string) {}

  /** Images whose groups this delta changes. */
  get changedImages(): number {
    return this.images.size;
  }

  /** Images that start or stop running units somewhere. */
  runningChanged(): ImageKey[] {
    return [...this.running.values()];
  }

  private keys(unit: UnitUse, image: ImageKey): ImageGroupKey {
    return {
      account_id: this.accountId,
      image_repository: image.repository,
      image_digest: image.digest,
      cluster_arn: unit.cluster_arn,
      platform: unit.platform,
      details_group: unit.details_group,
      task_definition_arn: unit.task_definition_arn ?? '',
    };
  }

  private change(unit: UnitUse, running: number, lastInUse: number): void {
    for (const image of unit.images) {
      this.images.set(`${image.repository}\u0000${image.digest}`, image);
      if (running !== 0) this.running.set(`${image.repository}\u0000${image.digest}`, image);
      const key = this.keys(unit, image);
      const id = Object.values(key).join('\u0000');
      const usage = this.usage.get(id) ?? { key, running: 0, lastInUse: 0 };
      usage.running += running;
      usage.lastInUse = Math.max(usage.lastInUse, lastInUse);
      this.usage.set(id, usage);
      if (unit.workload_name && unit.workload_type) {
        const wid = `${id}\u0000${unit.workload_type}\u0000${unit.workload_name}`;
        const workload = this.workloads.get(wid) ?? { key, type: unit.workload_type, name: unit.workload_name, running: 0, lastInUse: 0 };
        workload.running += running;
        workload.lastInUse = Math.max(workload.lastInUse, lastInUse);
        this.workloads.set(wid, workload);
      }
    }
  }

  /** The unit's previous state no longer counts. */
  remove(unit: UnitUse): void {
    if (unit.state === 'RUNNING') this.change(unit, -1, 0);
  }

  /** The unit's new state counts. */
  add(unit: UnitUse): void {
    if (unit.state === 'RUNNING') this.change(unit, 1, unit.observed_at);
    if (unit.state === 'STOPPED' && unit.stopped_at !== null) {
      this.change(unit, 0, unit.stopped_at);
      for (const image of unit.images) this.stops.push({ ...this.keys(unit, image), stopped_at: unit.stopped_at, unit_id: unit.unit_id });
    }
  }

  /** A running unit seen again: its groups were in use at `at`. */
  seen(unit: UnitUse, at: number): void {
    if (unit.state === 'RUNNING') this.change(unit, 0, at);
  }

  async apply(trx: Kysely<Database>): Promise<void> {
    const group = ['account_id', 'image_repository', 'image_digest', 'cluster_arn', 'platform', 'details_group', 'task_definition_arn'] as const;
    for (const chunk of chunks([...this.usage.values()], rowsPerStatement)) {
      await trx
        .insertInto('image_usage')
        .values(chunk.map((c) => ({ ...c.key, running_count: c.running, last_in_use: c.lastInUse })))
        .onConflict((oc) =>
          oc.columns([...group]).doUpdateSet((eb) => ({
            running_count: eb('image_usage.running_count', '+', eb.ref('excluded.running_count')),
            last_in_use: eb.case().when('excluded.last_in_use', '>', eb.ref('image_usage.last_in_use')).then(eb.ref('excluded.last_in_use')).else(eb.ref('image_usage.last_in_use')).end(),
          })),
        )
        .execute();
    }
    for (const chunk of chunks([...this.workloads.values()], rowsPerStatement)) {
      await trx
        .insertInto('image_workloads')
        .values(chunk.map((c) => ({ ...c.key, workload_type: c.type, workload_name: c.name, running_count: c.running, last_in_use: c.lastInUse })))
        .onConflict((oc) =>
          oc.columns([...group, 'workload_type', 'workload_name']).doUpdateSet((eb) => ({
            running_count: eb('image_workloads.running_count', '+', eb.ref('excluded.running_count')),
            last_in_use: eb.case().when('excluded.last_in_use', '>', eb.ref('image_workloads.last_in_use')).then(eb.ref('excluded.last_in_use')).else(eb.ref('image_workloads.last_in_use')).end(),
          })),
        )
        .execute();
    }
    for (const chunk of chunks(this.stops, rowsPerStatement)) {
      await trx.insertInto('image_stops').values(chunk).onConflict((oc) => oc.doNothing()).execute();
    }
    for (const chunk of chunks([...this.images.values()], imagesPerStatement)) await summariseImageRuntime(trx, this.accountId, chunk);
  }
}

/** Stops only count for a day; those older than two days before the ingest time are deleted. */
export async function pruneStops(trx: Kysely<Database>, accountId: string, now: number): Promise<void> {
  await trx.deleteFrom('image_stops').where('account_id', '=', accountId).where('stopped_at', '<', now - 2 * 24 * 60 * 60 * 1000).execute();
}

/** The stored state of these units with their images, by unit id. */
export async function unitUses(trx: Kysely<Database>, accountId: string, unitIds: string[]): Promise<Map<string, UnitUse>> {
  return withImages(trx, accountId, await storedUnits(trx, accountId, unitIds));
}

/** The stored rows of these units (images not yet read), by unit id. */
export async function storedUnits(trx: Kysely<Database>, accountId: string, unitIds: string[]): Promise<Map<string, UnitUse>> {
  const out = new Map<string, UnitUse>();
  if (unitIds.length === 0) return out;
  const units = await trx.selectFrom('runtime_units').selectAll().where('account_id', '=', accountId).where('unit_id', 'in', unitIds).execute();
  for (const u of units) out.set(u.unit_id, { ...u, images: [] });
  return out;
}

/** Fills in the images of these stored units. */
export async function withImages(trx: Kysely<Database>, accountId: string, units: Map<string, UnitUse>): Promise<Map<string, UnitUse>> {
  if (units.size === 0) return units;
  const images = await trx.selectFrom('runtime_unit_images').select(['unit_id', 'image_repository', 'image_digest']).where('account_id', '=', accountId).where('unit_id', 'in', [...units.keys()]).execute();
  for (const i of images) units.get(i.unit_id)?.images.push({ repository: i.image_repository, digest: i.image_digest });
  return units;
}
