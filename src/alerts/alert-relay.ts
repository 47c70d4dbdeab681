// The relay in `serve --alerts`: registers the file's destinations, then for each destination, on its
// own loop (one failing destination never delays another), resolves what nothing has carried for its
// resolveAfter, claims its due messages from the outbox, builds their CloudEvents once, sends them,
// and records the answer. Slack destinations get at most one post a second. Deliveries finished a
// week ago are pruned. Ingest never waits for any of it: the outbox was written with the data.
import type { Logger } from 'pino';
import type { AlertDeliveryRow } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { sleep } from '../feeds/backoff.ts';
import { payloadOf } from './alert-payloads.ts';
import { routingOf, type AlertRouting } from './alert-routing.ts';
import type { CloudEvent } from './alert-messages.ts';
import type { AlertsConfig, Destination } from './alerts-file.ts';
import { deliver } from './deliver.ts';
import { outcomeOf, type RetryPolicy } from './delivery-policy.ts';

export interface AlertTiming extends RetryPolicy {
  /** How often a destination with nothing due looks again. */
  tickMs: number;
  /** An attempt without an answer by then has failed (10 s). */
  timeoutMs: number;
  /** How long a claimed message is its replica's to send; after that it is sent again (60 s). */
  leaseMs: number;
}

export interface RelaySettings {
  /** The console's public URL, which events link to. */
  consoleUrl: string;
  logger: Logger;
  now?: () => number;
  timing: AlertTiming;
  /** Counts each attempt's outcome (delivered, retry, dead) per destination and type. */
  attempted?(destination: Destination, outcome: 'delivered' | 'retry' | 'dead', events: number): void;
}

const eventsPerMessage = { webhook: 100, slack: 200 } as const;
const slackIntervalMs = 1_000;
const keptMs = 7 * 24 * 60 * 60 * 1000;
const pruneEveryMs = 60 * 60 * 1000;

export class AlertRelay {
  private readonly stop = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly now: () => number;

  constructor(
    private readonly store: Store,
    private readonly config: AlertsConfig,
    private readonly settings: RelaySettings,
  ) {
    this.now = settings.now ?? Date.now;
  }

  /** Registers the destinations (alerts on), then sends until stopped. */
  async start(): Promise<void> {
    const registration = await this.store.alerts.registerDestinations(this.config.destinations.map(routingOf), this.now());
    this.settings.logger.info({ destinations: this.config.destinations.map((d) => d.name), ...registration }, 'alerts on');
    this.loops = [...this.config.destinations.map((d) => this.destinationLoop(d)), this.pruneLoop(), ...(this.config.summaryAt ? [this.summaryLoop(this.config.summaryAt)] : [])];
  }

  async close(): Promise<void> {
    this.stop.abort();
    await Promise.all(this.loops);
  }

  private async destinationLoop(destination: Destination): Promise<void> {
    const routing = routingOf(destination);
    const log = this.settings.logger.child({ destination: destination.name });
    const { tickMs, leaseMs, timeoutMs } = this.settings.timing;
    let lastPost = 0;
    while (!this.stop.signal.aborted) {
      try {
        await this.store.alerts.resolveUncarried(routing, this.now());
        const message = await this.store.alerts.claimMessage(destination.name, this.now(), { maxEvents: eventsPerMessage[destination.type], leaseMs });
        if (!message) {
          await sleep(tickMs, this.stop.signal);
          continue;
        }
        if (destination.type === 'slack') await sleep(lastPost + slackIntervalMs - Date.now(), this.stop.signal);
        const events = await this.events(routing, message.deliveries);
        lastPost = Date.now();
        // Signed at the wall clock's time: receivers check it against theirs.
        const answer = await deliver(destination, events, message.messageId, Date.now(), timeoutMs);
        const first = message.deliveries[0]!;
        const outcome = outcomeOf(answer, Number(first.attempts), Math.min(...message.deliveries.map((d) => Number(d.created_at))), this.now(), this.settings.timing);
        await this.store.alerts.recordAttempt(destination.name, message.messageId, outcome, this.now());
        const said = outcome.state === 'pending' ? 'retry' : outcome.state;
        this.settings.attempted?.(destination, said, events.length);
        const context = { message: message.messageId, events: events.length, status: outcome.status, attempt: Number(first.attempts) + 1 };
        if (said === 'delivered') log.info(context, 'delivered');
        else if (said === 'retry') log.warn({ ...context, answer: outcome.answer, retryInMs: outcome.nextAttemptAt! - this.now() }, 'delivery failed: retrying');
        else log.error({ ...context, answer: outcome.answer }, 'delivery failed for good: dead');
      } catch (error) {
        log.error({ error: (error as Error).message }, 'the alert relay failed: trying again');
        await sleep(tickMs * 5, this.stop.signal);
      }
    }
  }

  /** The message's CloudEvents: those built at an earlier attempt as they were, the others built now and kept. */
  private async events(routing: AlertRouting, deliveries: AlertDeliveryRow[]): Promise<CloudEvent[]> {
    const built = new Map<string, string>();
    const events: CloudEvent[] = [];
    for (const d of deliveries) {
      if (d.payload) {
        events.push(JSON.parse(d.payload) as CloudEvent);
        continue;
      }
      const event = await payloadOf(this.store, routing, d, this.settings.consoleUrl);
      built.set(d.delivery_id, JSON.stringify(event));
      events.push(event);
    }
    if (built.size) await this.store.alerts.savePayloads(built);
    return events;
  }

  /**
   * Once a day at `at` (HH:MM, UTC), or at start when that has passed today: each destination's
   * summary of what opened and resolved in the 24 hours before it, where anything did.
   */
  private async summaryLoop(at: string): Promise<void> {
    const [hours, minutes] = at.split(':').map(Number) as [number, number];
    let lastDay: string | undefined;
    while (!this.stop.signal.aborted) {
      const now = this.now();
      const day = new Date(now).toISOString().slice(0, 10);
      const scheduled = Date.parse(`${day}T00:00:00Z`) + (hours * 60 + minutes) * 60_000;
      if (now >= scheduled && lastDay !== day) {
        try {
          const enqueued = await this.store.alerts.enqueueSummaries(this.config.destinations.map(routingOf), day, scheduled - 24 * 60 * 60 * 1000, now);
          lastDay = day;
          if (enqueued) this.settings.logger.info({ day, summaries: enqueued }, 'daily summaries queued');
        } catch (error) {
          this.settings.logger.error({ error: (error as Error).message }, 'queueing the daily summaries failed');
        }
      }
      await sleep(this.settings.timing.tickMs, this.stop.signal);
    }
  }

  private async pruneLoop(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        const pruned = await this.store.alerts.prune(this.now() - keptMs);
        if (pruned) this.settings.logger.info({ pruned }, 'pruned deliveries finished a week ago');
      } catch (error) {
        this.settings.logger.error({ error: (error as Error).message }, 'pruning deliveries failed');
      }
      await sleep(pruneEveryMs, this.stop.signal);
    }
  }
}
