// Registering the destinations of an alerts file (a server's start). While no destination is
// registered, writers keep no exposure state at all (alerts off cost an ingest nothing); turning
// alerts on therefore builds the carriers of every running image first, and marks every cluster
// known, so that what runs already is no news. A destination new to the store (or whose filters
// changed) records every exposure it matches silently, and gets one summary of them; a destination
// gone from the file is forgotten, and what it still had to send is marked dead.
import type { Kysely } from 'kysely';
import type { AlertRouting } from '../alerts/alert-routing.ts';
import { eventIdOf } from '../alerts/exposure-notices.ts';
import { exposureKey, refreshCarriers } from './exposure-carriers.ts';
import { evaluateExposures, OutboxWrites } from './exposure-writes.ts';
import type { Database } from './schema.ts';
import { entryOf } from '../domain/map-entries.ts';

export interface Registration {
  added: string[];
  changed: string[];
  removed: string[];
}

export const removedAnswer = 'the destination is no longer in the alerts file';

export async function registerDestinations(trx: Kysely<Database>, routings: AlertRouting[], now: number): Promise<Registration> {
  const stored = new Map((await trx.selectFrom('alert_destinations').select(['name', 'routing']).execute()).map((r) => [r.name, r.routing]));
  const names = new Set(routings.map((r) => r.name));
  const removed = [...stored.keys()].filter((name) => !names.has(name));
  const added = routings.filter((r) => !stored.has(r.name));
  const changed = routings.filter((r) => stored.has(r.name) && stored.get(r.name) !== JSON.stringify(r));
  if (removed.length) {
    await trx.deleteFrom('alert_destinations').where('name', 'in', removed).execute();
    await trx.deleteFrom('exposure_notices').where('destination', 'in', removed).execute();
    await trx.updateTable('alert_deliveries').set({ state: 'dead', last_answer: removedAnswer, finished_at: now }).where('destination', 'in', removed).where('state', '=', 'pending').execute();
  }
  if (stored.size === removed.length && routings.length > 0) await turnOn(trx, now);
  for (const r of [...added, ...changed]) {
    await trx.insertInto('alert_destinations').values({ name: r.name, routing: JSON.stringify(r), registered_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet({ routing: JSON.stringify(r) })).execute();
  }
  await baseline(trx, [...added, ...changed], now);
  return { added: added.map((r) => r.name), changed: changed.map((r) => r.name), removed };
}

/** Alerts were off: every running image's carriers from scratch, and every cluster known. */
async function turnOn(trx: Kysely<Database>, now: number): Promise<void> {
  await trx.deleteFrom('exposure_carriers').execute();
  const running = await trx.selectFrom('image_runtime').select(['account_id', 'image_repository', 'image_digest']).where('running_count', '>', 0).execute();
  const byAccount = new Map<string, { repository: string; digest: string }[]>();
  for (const r of running) entryOf(byAccount, r.account_id, () => []).push({ repository: r.image_repository, digest: r.image_digest });
  for (const [accountId, images] of byAccount) await refreshCarriers(trx, accountId, images);
  const clusters = await trx.selectFrom('runtime_units').select(['account_id', 'cluster_arn']).distinct().execute();
  for (const c of clusters) {
    await trx.insertInto('alert_clusters').values({ account_id: c.account_id, cluster_arn: c.cluster_arn, first_seen_at: now }).onConflict((oc) => oc.doNothing()).execute();
  }
}

/** Records what these destinations match now without telling them, then one summary each per account with something open. */
async function baseline(trx: Kysely<Database>, routings: AlertRouting[], now: number): Promise<void> {
  if (routings.length === 0) return;
  const keys = await trx.selectFrom('exposure_carriers').select(['account_id', 'vulnerability_id', 'cluster_arn']).distinct().execute();
  const byAccount = new Map<string, Set<string>>();
  for (const k of keys) entryOf(byAccount, k.account_id, () => new Set()).add(exposureKey(k.vulnerability_id, k.cluster_arn));
  // A destination whose filters changed may have open notices that no longer match: look at them too.
  const open = await trx.selectFrom('exposure_notices').select(['account_id', 'vulnerability_id', 'cluster_arn']).where('destination', 'in', routings.map((r) => r.name)).where('state', '=', 'open').execute();
  for (const k of open) entryOf(byAccount, k.account_id, () => new Set()).add(exposureKey(k.vulnerability_id, k.cluster_arn));
  for (const [accountId, accountKeys] of byAccount) {
    await evaluateExposures(trx, accountId, routings, accountKeys, { cause: 'runtime', now, silentClusters: new Set(), silent: true });
    const matched = await trx.selectFrom('exposure_notices').select(['destination', (eb) => eb.fn.countAll<number>().as('open')]).where('account_id', '=', accountId)
      .where('destination', 'in', routings.map((r) => r.name)).where('state', '=', 'open').groupBy('destination').execute();
    const summaries = new OutboxWrites(accountId, now);
    for (const m of matched) {
      const routing = routings.find((r) => r.name === m.destination)!;
      summaries.event(routing, 'io.imagescope.summary', eventIdOf(`baseline ${accountId}`, 'io.imagescope.summary', now), { summary: { reason: 'baseline', since: now } });
    }
    await summaries.flush(trx);
  }
}
