// What `/alerts` and `GET /api/v1/alerts/deliveries` show: the destinations of the alerts file (their
// filters and timings; a URL by its host alone, since a Slack webhook's path is its secret; never a
// secret or a header's value) and the account's recent deliveries, newest first, with their state,
// attempts and last answer. The page and the API come from this one view.
import type { AlertRouting } from '../alerts/alert-routing.ts';
import type { Destination } from '../alerts/alerts-file.ts';
import { severities } from '../domain/severity.ts';
import type { AlertDeliveryState } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { ConsoleInputError } from './console-request.ts';

export interface DestinationView {
  name: string;
  type: 'webhook' | 'slack';
  /** `https://host` only. */
  host: string;
  events: string[];
  minSeverity: string;
  accounts: string[];
  clusters: string[];
  namespaces: string[];
  repositories: string[];
  fixAvailableOnly: boolean;
  resolveAfterSeconds: number;
  cooldownSeconds: number;
  batchWindowSeconds: number;
}

export interface DeliveryView {
  deliveryId: string;
  destination: string;
  /** The id the receiver sees as `webhook-id` (deliver it again by this id). */
  messageId?: string;
  eventId: string;
  eventType: string;
  /** The vulnerability and cluster an exposure event is about. */
  vulnerabilityId?: string;
  clusterArn?: string;
  state: AlertDeliveryState;
  attempts: number;
  lastStatus?: number;
  lastAnswer?: string;
  /** Epoch seconds. */
  createdAt: number;
  nextAttemptAt?: number;
  finishedAt?: number;
}

export interface AlertsView {
  /** False when the server was started without --alerts. */
  enabled: boolean;
  destinations: DestinationView[];
  deliveries: DeliveryView[];
  /** Pass as `after` for older deliveries; absent on the last page. */
  next?: string;
  destination?: string;
  state?: AlertDeliveryState;
}

const states: AlertDeliveryState[] = ['pending', 'delivered', 'dead'];

export async function alertsView(store: Store, destinations: Destination[] | undefined, accountId: string, query: Record<string, string | undefined>, routingOf: (d: Destination) => AlertRouting): Promise<AlertsView> {
  const state = query.state || undefined;
  if (state !== undefined && !(states as string[]).includes(state)) throw new ConsoleInputError('state', `state must be one of ${states.join(', ')}`);
  const limit = query.limit === undefined || query.limit === '' ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new ConsoleInputError('limit', 'limit must be 1-200');
  const cursor = query.after ? /^(\d{1,16})\.([0-9a-f-]{36})$/.exec(query.after) : undefined;
  if (query.after && !cursor) throw new ConsoleInputError('after', 'after must be the `next` of the previous page');
  const after = cursor ? { createdAt: Number(cursor[1]), deliveryId: cursor[2]! } : undefined;
  const destination = query.destination || undefined;
  const rows = await store.alerts.deliveries({ accountId, destination, state: state as AlertDeliveryState | undefined, ...(after && { after }), limit: limit + 1 });
  const page = rows.slice(0, limit);
  return {
    enabled: destinations !== undefined,
    destinations: (destinations ?? []).map((d) => destinationView(d, routingOf(d))),
    deliveries: page.map((r) => {
      const facts = JSON.parse(r.facts) as { vulnerabilityId?: string; clusterArn?: string };
      return {
        deliveryId: r.delivery_id, destination: r.destination, ...(r.message_id && { messageId: r.message_id }), eventId: r.event_id, eventType: r.event_type,
        ...(facts.vulnerabilityId && { vulnerabilityId: facts.vulnerabilityId }), ...(facts.clusterArn && { clusterArn: facts.clusterArn }),
        state: r.state, attempts: Number(r.attempts), ...(r.last_status !== null && { lastStatus: Number(r.last_status) }), ...(r.last_answer !== null && { lastAnswer: r.last_answer }),
        createdAt: Number(r.created_at) / 1000, ...(r.state === 'pending' && { nextAttemptAt: Number(r.next_attempt_at) / 1000 }), ...(r.finished_at !== null && { finishedAt: Number(r.finished_at) / 1000 }),
      };
    }),
    ...(rows.length > limit && { next: `${Number(page[page.length - 1]!.created_at)}.${page[page.length - 1]!.delivery_id}` }),
    ...(destination && { destination }),
    ...(state && { state: state as AlertDeliveryState }),
  };
}

function destinationView(d: Destination, routing: AlertRouting): DestinationView {
  return {
    name: d.name, type: d.type, host: new URL(d.url).origin, events: d.events, minSeverity: severities[routing.minRank]!,
    accounts: d.accounts, clusters: d.clusters, namespaces: d.namespaces, repositories: d.repositories, fixAvailableOnly: d.fixAvailableOnly,
    resolveAfterSeconds: d.resolveAfterMs / 1000, cooldownSeconds: d.cooldownMs / 1000, batchWindowSeconds: d.batchWindowMs / 1000,
  };
}
