// Exposure alerts' part of every write transaction. A write notes what it changed (images that start
// or stop running somewhere, images whose findings changed, vulnerabilities whose details now say
// something else); at its end, while alerts are on (some destination is registered), the carriers of
// those images are rewritten, each exposure whose carriers changed is looked at again for every
// destination, and what a destination must be told goes into the outbox, all in the same transaction
// as the data. So whoever writes (a server, `ingest --db`, a watcher), a change alerts exactly once,
// and an unchanged resend alerts never.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { matchExposure, type AlertRouting, type ExposureCarrier, type ExposureKey } from '../alerts/alert-routing.ts';
import { eventIdOf, nextNotice, type ExposureCause, type ExposureNotice, type NoticeEvent, type NoticeStep } from '../alerts/exposure-notices.ts';
import type { VulnerabilityInfo } from '../domain/findings.ts';
import type { ImageKey } from '../domain/images.ts';
import { exposureKey, refreshCarriers, runningDigestsOf } from './exposure-carriers.ts';
import type { AlertDeliveryRow, Database, ExposureCarrierRow, ExposureNoticeRow } from './schema.ts';
import { chunks } from './transactions.ts';
import { entryOf } from '../domain/map-entries.ts';

const rowsPerStatement = 300;

/** The facts a delivery keeps about its event (the payload is built from them at its first attempt). */
export interface DeliveryFacts {
  exposureId?: string;
  clusterArn?: string;
  vulnerabilityId?: string;
  rank?: number;
  previousRank?: number;
  exploited?: boolean;
  change?: NoticeEvent['change'];
  openedAt?: number;
  resolvedAt?: number;
  /** A summary's reason and counts (alert-payloads.ts adds what is open when it is sent). */
  summary?: unknown;
}

export class ExposureChanges {
  private readonly running = new Map<string, ImageKey>();
  private readonly scanned = new Map<string, ImageKey>();
  private readonly restated = new Set<string>();
  private readonly clusters = new Set<string>();

  constructor(
    private readonly accountId: string,
    private readonly cause: ExposureCause,
  ) {}

  /** An image started or stopped running in some group. */
  runningChanged(image: ImageKey): void {
    this.running.set(`${image.repository}\u0000${image.digest}`, image);
  }

  /** A scanned image's findings (or its linked digests) changed. */
  findingsChanged(image: ImageKey): void {
    this.scanned.set(`${image.repository}\u0000${image.digest}`, image);
  }

  /** What the details of these vulnerabilities say changed (known exploited, a new score). */
  restatedVulnerabilities(ids: string[]): void {
    for (const id of ids) this.restated.add(id);
  }

  /** A runtime write saw units of this cluster. */
  clusterSeen(clusterArn: string): void {
    this.clusters.add(clusterArn);
  }

  async apply(trx: Kysely<Database>, now: number): Promise<void> {
    if (this.running.size + this.scanned.size + this.restated.size === 0) return;
    const routings = await alertRoutings(trx);
    if (routings.length === 0) return;
    const silent = await this.firstSeenClusters(trx, now);
    const digests = new Map(this.running);
    for (const d of await runningDigestsOf(trx, this.accountId, [...this.scanned.values()])) digests.set(`${d.repository}\u0000${d.digest}`, d);
    const keys = digests.size ? await refreshCarriers(trx, this.accountId, [...digests.values()]) : new Set<string>();
    for (const chunk of chunks([...this.restated], rowsPerStatement)) {
      const rows = await trx.selectFrom('exposure_notices').select(['vulnerability_id', 'cluster_arn']).distinct().where('account_id', '=', this.accountId).where('vulnerability_id', 'in', chunk).execute();
      for (const r of rows) keys.add(exposureKey(r.vulnerability_id, r.cluster_arn));
    }
    await evaluateExposures(trx, this.accountId, routings, keys, { cause: this.cause, now, silentClusters: silent });
  }

  /** Clusters alerts have not seen before: their exposures are recorded silently (a first sync is no news). */
  private async firstSeenClusters(trx: Kysely<Database>, now: number): Promise<Set<string>> {
    if (this.clusters.size === 0) return new Set();
    const known = await trx.selectFrom('alert_clusters').select('cluster_arn').where('account_id', '=', this.accountId).where('cluster_arn', 'in', [...this.clusters]).execute();
    const seen = new Set(known.map((r) => r.cluster_arn));
    const first = [...this.clusters].filter((c) => !seen.has(c));
    if (first.length) await trx.insertInto('alert_clusters').values(first.map((cluster_arn) => ({ account_id: this.accountId, cluster_arn, first_seen_at: now }))).onConflict((oc) => oc.doNothing()).execute();
    return new Set(first);
  }
}

export async function alertRoutings(trx: Kysely<Database>): Promise<AlertRouting[]> {
  const rows = await trx.selectFrom('alert_destinations').select('routing').orderBy('name').execute();
  return rows.map((r) => JSON.parse(r.routing) as AlertRouting);
}

interface Evaluation {
  cause: ExposureCause;
  now: number;
  /** Clusters whose changes are recorded without telling anyone. */
  silentClusters: ReadonlySet<string>;
  /** Record everything silently (alerts just turned on for these destinations). */
  silent?: boolean;
}

/** Looks at these exposures again for every destination: moves the notices and fills the outbox. */
export async function evaluateExposures(trx: Kysely<Database>, accountId: string, routings: AlertRouting[], keys: Set<string>, evaluation: Evaluation): Promise<void> {
  if (keys.size === 0) return;
  const vulnerabilities = [...new Set([...keys].map((k) => k.split('\u0000')[0]!))];
  const carriers = new Map<string, CarrierFacts[]>();
  const notices = new Map<string, ExposureNoticeRow>();
  const exploited = new Set<string>();
  // Filters on namespaces or repositories need each carrier; the others, each exposure's worst
  // severity overall and among fixable carriers, which the database sums up far faster than it hands over rows.
  const perCarrier = routings.some((r) => r.namespaces.length > 0 || r.repositories.length > 0);
  for (const chunk of chunks(vulnerabilities, rowsPerStatement)) {
    for (const row of perCarrier ? await carrierRows(trx, accountId, chunk) : await carrierSummaries(trx, accountId, chunk)) {
      const key = exposureKey(row.vulnerability_id, row.cluster_arn);
      if (keys.has(key)) entryOf(carriers, key, () => []).push(row);
    }
    for (const row of await trx.selectFrom('exposure_notices').selectAll().where('account_id', '=', accountId).where('vulnerability_id', 'in', chunk).execute()) {
      if (keys.has(exposureKey(row.vulnerability_id, row.cluster_arn))) notices.set(`${row.destination}\u0000${exposureKey(row.vulnerability_id, row.cluster_arn)}`, row);
    }
  }
  const aliases = [...carriers.values()].flat().flatMap((c) => (c.aliases ? c.aliases.split(',') : []));
  for (const chunk of chunks([...new Set([...vulnerabilities, ...aliases])], rowsPerStatement)) {
    const rows = await trx.selectFrom('vulnerability_details').select(['vulnerability_id', 'details']).where('account_id', '=', accountId).where('vulnerability_id', 'in', chunk).execute();
    for (const r of rows) {
      const details = JSON.parse(r.details) as VulnerabilityInfo;
      if (details.knownExploited || details.exploitObserved) exploited.add(r.vulnerability_id);
    }
  }
  const writes = new OutboxWrites(accountId, evaluation.now);
  for (const key of keys) {
    const [vulnerabilityId, clusterArn] = key.split('\u0000') as [string, string];
    const exposure: ExposureKey = { accountId, clusterArn, vulnerabilityId };
    const rows = carriers.get(key) ?? [];
    const isExploited = exploited.has(vulnerabilityId) || rows.some((r) => r.aliases && r.aliases.split(',').some((a) => exploited.has(a)));
    for (const routing of routings) {
      const before = notices.get(`${routing.name}\u0000${key}`);
      const matched = matchExposure(routing, exposure, rows.map(carrierOf), isExploited);
      const step = nextNotice(routing, exposure, before && noticeOf(before), matched, evaluation.cause, evaluation.now);
      if (step) writes.add(routing, exposure, step, evaluation.silent || evaluation.silentClusters.has(clusterArn));
    }
  }
  await writes.flush(trx);
}

type CarrierFacts = Pick<ExposureCarrierRow, 'vulnerability_id' | 'cluster_arn' | 'image_repository' | 'image_digest' | 'details_group' | 'platform' | 'severity_rank' | 'fixable' | 'aliases'>;

function carrierRows(trx: Kysely<Database>, accountId: string, vulnerabilities: string[]): Promise<CarrierFacts[]> {
  return trx.selectFrom('exposure_carriers').selectAll().where('account_id', '=', accountId).where('vulnerability_id', 'in', vulnerabilities).execute();
}

/** Each exposure as at most two stand-in carriers: its worst severity, and its worst among fixable carriers. */
async function carrierSummaries(trx: Kysely<Database>, accountId: string, vulnerabilities: string[]): Promise<CarrierFacts[]> {
  const where = (qb: any) => qb.where('account_id', '=', accountId).where('vulnerability_id', 'in', vulnerabilities);
  const sums = await where(trx.selectFrom('exposure_carriers').select(['vulnerability_id', 'cluster_arn'])
    .select((eb: any) => [eb.fn.min('platform').as('platform'), eb.fn.min('severity_rank').as('rank'), eb.fn.min(eb.case().when('fixable', '=', 1).then(eb.ref('severity_rank')).end()).as('fixable_rank')]))
    .groupBy(['vulnerability_id', 'cluster_arn']).execute() as { vulnerability_id: string; cluster_arn: string; platform: 'ECS' | 'EKS'; rank: number; fixable_rank: number | null }[];
  const aliases = await where(trx.selectFrom('exposure_carriers').select(['vulnerability_id', 'cluster_arn', 'aliases']).distinct().where('aliases', '<>', '')).execute() as { vulnerability_id: string; cluster_arn: string; aliases: string }[];
  const aliasesOf = new Map<string, string[]>();
  for (const a of aliases) entryOf(aliasesOf, exposureKey(a.vulnerability_id, a.cluster_arn), () => []).push(a.aliases);
  return sums.flatMap((s) => {
    const base = { vulnerability_id: s.vulnerability_id, cluster_arn: s.cluster_arn, image_repository: '', image_digest: '', details_group: '', platform: s.platform, aliases: (aliasesOf.get(exposureKey(s.vulnerability_id, s.cluster_arn)) ?? []).join(',') };
    return [{ ...base, severity_rank: Number(s.rank), fixable: 0 }, ...(s.fixable_rank === null ? [] : [{ ...base, severity_rank: Number(s.fixable_rank), fixable: 1 }])];
  });
}

/** Notices to upsert and deliveries to insert, written in a few statements at the end. */
export class OutboxWrites {
  private readonly notices: ExposureNoticeRow[] = [];
  private readonly deliveries: AlertDeliveryRow[] = [];

  constructor(
    private readonly accountId: string,
    private readonly now: number,
  ) {}

  add(routing: AlertRouting, key: ExposureKey, step: NoticeStep, silent: boolean): void {
    const n = step.notice;
    this.notices.push({
      account_id: this.accountId, destination: routing.name, vulnerability_id: key.vulnerabilityId, cluster_arn: key.clusterArn, exposure_id: n.exposureId, state: n.state,
      severity_rank: n.rank, exploited: n.exploited ? 1 : 0, opened_at: n.openedAt, unmatched_since: n.unmatchedSince, resolved_at: n.resolvedAt,
    });
    if (!step.event || silent) return;
    const facts: DeliveryFacts = {
      exposureId: n.exposureId, clusterArn: key.clusterArn, vulnerabilityId: key.vulnerabilityId, rank: n.rank, exploited: n.exploited, openedAt: n.openedAt,
      ...(step.event.previousRank !== undefined && { previousRank: step.event.previousRank }),
      ...(step.event.change && { change: step.event.change }),
      ...(n.resolvedAt !== null && { resolvedAt: n.resolvedAt }),
    };
    this.event(routing, step.event.type, eventIdOf(n.exposureId, step.event.type, this.now), facts);
  }

  /** A delivery of an event to one destination, if it takes that type of event. */
  event(routing: AlertRouting, type: string, eventId: string, facts: DeliveryFacts): void {
    if (!(routing.events as string[]).includes(type)) return;
    this.deliveries.push({
      delivery_id: randomUUID(), account_id: this.accountId, destination: routing.name, event_id: eventId, event_type: type, event_time: this.now,
      facts: JSON.stringify(facts), payload: null, message_id: null, state: 'pending', attempts: 0,
      // The first attempt waits for the batch window, so that what one change opens goes out as one message.
      next_attempt_at: this.now + routing.batchWindowMs, last_status: null, last_answer: null, created_at: this.now, finished_at: null,
    });
  }

  get deliveryCount(): number {
    return this.deliveries.length;
  }

  async flush(trx: Kysely<Database>): Promise<void> {
    for (const chunk of chunks(this.notices, rowsPerStatement)) {
      await trx.insertInto('exposure_notices').values(chunk)
        .onConflict((oc) => oc.columns(['account_id', 'vulnerability_id', 'cluster_arn', 'destination']).doUpdateSet((eb) => ({
          exposure_id: eb.ref('excluded.exposure_id'), state: eb.ref('excluded.state'), severity_rank: eb.ref('excluded.severity_rank'), exploited: eb.ref('excluded.exploited'),
          opened_at: eb.ref('excluded.opened_at'), unmatched_since: eb.ref('excluded.unmatched_since'), resolved_at: eb.ref('excluded.resolved_at'),
        })))
        .execute();
    }
    for (const chunk of chunks(this.deliveries, rowsPerStatement / 2)) await trx.insertInto('alert_deliveries').values(chunk).execute();
    this.notices.length = 0;
    this.deliveries.length = 0;
  }
}

function carrierOf(row: CarrierFacts): ExposureCarrier {
  return { repository: row.image_repository, digest: row.image_digest, platform: row.platform, detailsGroup: row.details_group, rank: Number(row.severity_rank), fixable: Number(row.fixable) === 1 };
}

export function noticeOf(row: ExposureNoticeRow): ExposureNotice {
  return {
    exposureId: row.exposure_id, state: row.state, rank: Number(row.severity_rank), exploited: Number(row.exploited) === 1, openedAt: Number(row.opened_at),
    unmatchedSince: row.unmatched_since === null ? null : Number(row.unmatched_since), resolvedAt: row.resolved_at === null ? null : Number(row.resolved_at),
  };
}
