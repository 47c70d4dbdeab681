// The store's face to exposure alerts (store.alerts): registering destinations, the relay's outbox
// work, and what the console and metrics read of it. Every write is one write transaction.
import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { AlertRouting } from '../alerts/alert-routing.ts';
import { registerDestinations, type Registration } from './alert-destinations.ts';
import { claimMessage, dueFor, enqueueSummaries, pruneDeliveries, recordAttempt, redeliver, resolveUncarried, savePayloads, uncarriedFor, type AttemptOutcome, type ClaimedMessage } from './alert-outbox.ts';
import { exposureDetails, openNotices, type ExposureDetails } from './exposure-details.ts';
import type { AlertDeliveryRow, AlertDeliveryState, Database, ExposureNoticeRow } from './schema.ts';
import { writeTransaction } from './transactions.ts';

export type { AttemptOutcome, ClaimedMessage, ExposureDetails, Registration };

export interface DeliveriesQuery {
  /** The account whose deliveries these are (a console caller sees its own). */
  accountId?: string;
  destination?: string;
  state?: AlertDeliveryState;
  messageId?: string;
  /** Only deliveries after this one in the order (newest first): the next page of a listing. */
  after?: { createdAt: number; deliveryId: string };
  limit: number;
}

export interface PendingDeliveries {
  destination: string;
  pending: number;
  /** Epoch ms of the oldest pending delivery. */
  oldestCreatedAt: number;
}

export interface AlertStore {
  /** Registers an alerts file's destinations (alerts are on while any is registered). */
  registerDestinations(routings: AlertRouting[], now: number): Promise<Registration>;
  /** Resolves what nothing has carried for the destination's resolveAfter; returns how many. */
  resolveUncarried(routing: AlertRouting, now: number): Promise<number>;
  claimMessage(destination: string, now: number, options: { maxEvents: number; leaseMs: number }): Promise<ClaimedMessage | undefined>;
  savePayloads(payloads: Map<string, string>): Promise<void>;
  recordAttempt(destination: string, messageId: string, outcome: AttemptOutcome, now: number): Promise<void>;
  redeliver(destination: string, messageId: string, now: number): Promise<boolean>;
  prune(before: number): Promise<number>;
  /** Enqueues the day's summaries (`day` YYYY-MM-DD) of what changed since `since`; returns how many. */
  enqueueSummaries(routings: AlertRouting[], day: string, since: number, now: number): Promise<number>;
  exposureDetails(accountId: string, clusterArn: string, vulnerabilityId: string): Promise<ExposureDetails>;
  openNotices(accountId: string, destination: string): Promise<ExposureNoticeRow[]>;
  /** Newest first. */
  deliveries(query: DeliveriesQuery): Promise<AlertDeliveryRow[]>;
  pending(): Promise<PendingDeliveries[]>;
}

export class KyselyAlertStore implements AlertStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  private write<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return writeTransaction(this.db, this.dialect, work);
  }

  registerDestinations(routings: AlertRouting[], now: number): Promise<Registration> {
    return this.write((trx) => registerDestinations(trx, routings, now));
  }

  // The relay asks these every tick for every destination: a plain read first, so that an idle relay
  // never takes the write lock (SQLite) or a row lock (PostgreSQL) away from ingests.
  async resolveUncarried(routing: AlertRouting, now: number): Promise<number> {
    if (!(await anyRow(uncarriedFor(this.db, routing, now)))) return 0;
    return this.write((trx) => resolveUncarried(trx, routing, now));
  }

  async claimMessage(destination: string, now: number, options: { maxEvents: number; leaseMs: number }): Promise<ClaimedMessage | undefined> {
    if (!(await anyRow(dueFor(this.db, destination, now)))) return undefined;
    return this.write((trx) => claimMessage(trx, this.dialect, destination, now, options));
  }

  savePayloads(payloads: Map<string, string>): Promise<void> {
    return this.write((trx) => savePayloads(trx, payloads));
  }

  recordAttempt(destination: string, messageId: string, outcome: AttemptOutcome, now: number): Promise<void> {
    return this.write((trx) => recordAttempt(trx, destination, messageId, outcome, now));
  }

  redeliver(destination: string, messageId: string, now: number): Promise<boolean> {
    return this.write((trx) => redeliver(trx, destination, messageId, now));
  }

  prune(before: number): Promise<number> {
    return this.write((trx) => pruneDeliveries(trx, before));
  }

  enqueueSummaries(routings: AlertRouting[], day: string, since: number, now: number): Promise<number> {
    return this.write((trx) => enqueueSummaries(trx, routings, day, since, now));
  }

  exposureDetails(accountId: string, clusterArn: string, vulnerabilityId: string): Promise<ExposureDetails> {
    return exposureDetails(this.db, accountId, clusterArn, vulnerabilityId);
  }

  openNotices(accountId: string, destination: string): Promise<ExposureNoticeRow[]> {
    return openNotices(this.db, accountId, destination);
  }

  deliveries(query: DeliveriesQuery): Promise<AlertDeliveryRow[]> {
    let q = this.db.selectFrom('alert_deliveries').selectAll().orderBy('created_at', 'desc').orderBy('delivery_id', 'desc').limit(query.limit);
    if (query.destination) q = q.where('destination', '=', query.destination);
    if (query.state) q = q.where('state', '=', query.state);
    if (query.accountId) q = q.where('account_id', '=', query.accountId);
    if (query.messageId) q = q.where('message_id', '=', query.messageId);
    const after = query.after;
    if (after) q = q.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('delivery_id', '<', after.deliveryId)])]));
    return q.execute();
  }

  async pending(): Promise<PendingDeliveries[]> {
    const rows = await this.db.selectFrom('alert_deliveries').select(['destination', (eb) => eb.fn.countAll<number>().as('pending'), (eb) => eb.fn.min('created_at').as('oldest')])
      .where('state', '=', 'pending').groupBy('destination').execute();
    return rows.map((r) => ({ destination: r.destination, pending: Number(r.pending), oldestCreatedAt: Number(r.oldest) }));
  }
}

async function anyRow<T extends keyof Database>(query: SelectQueryBuilder<Database, T, object>): Promise<boolean> {
  return (await query.select((eb) => eb.lit(1).as('one')).limit(1).executeTakeFirst()) !== undefined;
}
