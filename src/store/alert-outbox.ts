// The outbox's side of the relay: resolving exposures nothing has carried for a destination's
// `resolveAfter`, claiming a destination's due deliveries as one message (on PostgreSQL with
// `FOR UPDATE SKIP LOCKED`, so that of several replicas one sends it), keeping the payloads built for
// it, recording each attempt, sending a dead one again, and pruning what finished a week ago. A claim
// leases the message: a replica that dies while sending lets the lease run out, and the message is
// sent again, with the same id.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AlertRouting } from '../alerts/alert-routing.ts';
import { eventIdOf, resolvesNow } from '../alerts/exposure-notices.ts';
import { noticeOf, OutboxWrites } from './exposure-writes.ts';
import type { AlertDeliveryRow, AlertDeliveryState, Database } from './schema.ts';
import { entryOf } from '../domain/map-entries.ts';

export interface ClaimedMessage {
  messageId: string;
  deliveries: AlertDeliveryRow[];
}

export interface AttemptOutcome {
  state: AlertDeliveryState;
  status: number | null;
  answer: string;
  /** When to try again (state pending). */
  nextAttemptAt?: number;
}

/** The destination's open exposures that nothing has carried for its resolveAfter. */
export function uncarriedFor(db: Kysely<Database>, routing: AlertRouting, now: number) {
  return db.selectFrom('exposure_notices').where('unmatched_since', 'is not', null).where('unmatched_since', '<=', now - routing.resolveAfterMs)
    .where('destination', '=', routing.name).where('state', '=', 'open');
}

/** The destination's deliveries due now. */
export function dueFor(db: Kysely<Database>, destination: string, now: number) {
  return db.selectFrom('alert_deliveries').where('destination', '=', destination).where('state', '=', 'pending').where('next_attempt_at', '<=', now);
}

/** Resolves the open exposures that nothing has carried for the destination's resolveAfter; returns how many. */
export async function resolveUncarried(trx: Kysely<Database>, routing: AlertRouting, now: number): Promise<number> {
  const due = await uncarriedFor(trx, routing, now).selectAll().execute();
  const byAccount = new Map<string, OutboxWrites>();
  for (const row of due) {
    const step = resolvesNow(routing, noticeOf(row), now);
    if (!step) continue;
    // Another replica's sweep may have resolved it since it was read: only the one that moves it tells.
    const moved = await trx.updateTable('exposure_notices').set({ state: 'resolved', unmatched_since: null, resolved_at: now })
      .where('account_id', '=', row.account_id).where('destination', '=', row.destination).where('vulnerability_id', '=', row.vulnerability_id).where('cluster_arn', '=', row.cluster_arn)
      .where('state', '=', 'open').where('unmatched_since', '=', row.unmatched_since).executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) continue;
    const writes = entryOf(byAccount, row.account_id, () => new OutboxWrites(row.account_id, now));
    writes.add(routing, { accountId: row.account_id, clusterArn: row.cluster_arn, vulnerabilityId: row.vulnerability_id }, step, false);
  }
  let resolved = 0;
  for (const writes of byAccount.values()) {
    resolved += writes.deliveryCount;
    // The notices were moved above; only the deliveries remain to write (re-upserting the notices is harmless).
    await writes.flush(trx);
  }
  return resolved;
}

/**
 * The destination's next message, or undefined when none is due: a message whose retry is due, else
 * every delivery not yet sent once the oldest has waited its batch window (at most `maxEvents`).
 */
export async function claimMessage(trx: Kysely<Database>, dialect: 'sqlite' | 'postgres', destination: string, now: number, options: { maxEvents: number; leaseMs: number }): Promise<ClaimedMessage | undefined> {
  const locked = <T extends { forUpdate(): T; skipLocked(): T }>(qb: T) => (dialect === 'postgres' ? qb.forUpdate().skipLocked() : qb);
  const due = dueFor(trx, destination, now).selectAll();
  const retry = await locked(due.where('message_id', 'is not', null).orderBy('next_attempt_at').limit(1)).executeTakeFirst();
  let deliveries: AlertDeliveryRow[];
  let messageId: string;
  if (retry) {
    messageId = retry.message_id!;
    deliveries = await locked(trx.selectFrom('alert_deliveries').selectAll().where('destination', '=', destination).where('message_id', '=', messageId).where('state', '=', 'pending').orderBy('created_at').orderBy('delivery_id')).execute();
  } else {
    const first = await locked(due.where('message_id', 'is', null).orderBy('created_at').limit(1)).executeTakeFirst();
    if (!first) return undefined;
    deliveries = await locked(trx.selectFrom('alert_deliveries').selectAll().where('destination', '=', destination).where('state', '=', 'pending').where('message_id', 'is', null)
      .where('created_at', '<=', now).orderBy('created_at').orderBy('delivery_id').limit(options.maxEvents)).execute();
    // One event alone goes by its own id; a batch by an id of its own, kept for its retries.
    messageId = deliveries.length === 1 ? deliveries[0]!.event_id : `msg_${deliveries[0]!.delivery_id.replace(/-/g, '')}`;
  }
  if (deliveries.length === 0) return undefined;
  const ids = deliveries.map((d) => d.delivery_id);
  await trx.updateTable('alert_deliveries').set({ message_id: messageId, next_attempt_at: now + options.leaseMs }).where('delivery_id', 'in', ids).execute();
  return { messageId, deliveries: deliveries.map((d) => ({ ...d, message_id: messageId })) };
}

export async function savePayloads(trx: Kysely<Database>, payloads: Map<string, string>): Promise<void> {
  for (const [deliveryId, payload] of payloads) await trx.updateTable('alert_deliveries').set({ payload }).where('delivery_id', '=', deliveryId).where('payload', 'is', null).execute();
}

export async function recordAttempt(trx: Kysely<Database>, destination: string, messageId: string, outcome: AttemptOutcome, now: number): Promise<void> {
  await trx.updateTable('alert_deliveries')
    .set((eb) => ({
      state: outcome.state, attempts: eb('attempts', '+', 1), last_status: outcome.status, last_answer: outcome.answer,
      next_attempt_at: outcome.nextAttemptAt ?? now, finished_at: outcome.state === 'pending' ? null : now,
    }))
    .where('destination', '=', destination).where('message_id', '=', messageId).where('state', '=', 'pending').execute();
}

/** Sends a dead message again from now (its 24 hours of retries start again); false when there is no such dead message. */
export async function redeliver(trx: Kysely<Database>, destination: string, messageId: string, now: number): Promise<boolean> {
  const moved = await trx.updateTable('alert_deliveries').set({ state: 'pending', next_attempt_at: now, created_at: now, finished_at: null })
    .where('destination', '=', destination).where('message_id', '=', messageId).where('state', '=', 'dead').executeTakeFirst();
  return Number(moved.numUpdatedRows) > 0;
}

/** Deliveries finished (sent, or dead) before `before` are deleted. */
export async function pruneDeliveries(trx: Kysely<Database>, before: number): Promise<number> {
  const deleted = await trx.deleteFrom('alert_deliveries').where('finished_at', '<', before).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/**
 * The day's summary for each destination that takes them, per account whose exposures opened or
 * resolved for it since `since`; none where nothing changed. Its delivery id is the day's, so a
 * replica that enqueues the same summary again adds nothing.
 */
export async function enqueueSummaries(trx: Kysely<Database>, routings: AlertRouting[], day: string, since: number, now: number): Promise<number> {
  let enqueued = 0;
  for (const routing of routings.filter((r) => r.events.includes('io.imagescope.summary'))) {
    // What was recorded silently when alerts were turned on for it was summarised then: opened after.
    const registered = await trx.selectFrom('alert_destinations').select('registered_at').where('name', '=', routing.name).executeTakeFirst();
    const openedSince = Math.max(since, Number(registered?.registered_at ?? 0) + 1);
    const changed = await trx.selectFrom('exposure_notices').select(['account_id'])
      .select((eb) => [
        eb.fn.sum<number>(eb.case().when('opened_at', '>=', openedSince).then(1).else(0).end()).as('opened'),
        eb.fn.sum<number>(eb.case().when('resolved_at', '>=', since).then(1).else(0).end()).as('resolved'),
      ])
      .where('destination', '=', routing.name).where((eb) => eb.or([eb('opened_at', '>=', openedSince), eb('resolved_at', '>=', since)])).groupBy('account_id').execute();
    for (const c of changed) {
      const deliveryId = uuidOf(`summary\n${day}\n${routing.name}\n${c.account_id}`);
      const inserted = await trx.insertInto('alert_deliveries').values({
        delivery_id: deliveryId, account_id: c.account_id, destination: routing.name, event_id: eventIdOf(`summary ${c.account_id}`, 'io.imagescope.summary', since),
        event_type: 'io.imagescope.summary', event_time: now, facts: JSON.stringify({ summary: { reason: 'daily', since, openedSince: Number(c.opened), resolvedSince: Number(c.resolved) } }),
        payload: null, message_id: null, state: 'pending', attempts: 0, next_attempt_at: now, last_status: null, last_answer: null, created_at: now, finished_at: null,
      }).onConflict((oc) => oc.column('delivery_id').doNothing()).executeTakeFirst();
      enqueued += Number(inserted.numInsertedOrUpdatedRows ?? 0);
    }
  }
  return enqueued;
}

/** A UUID-shaped id from a name (the day's summary is one row, whichever replica writes it). */
function uuidOf(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
