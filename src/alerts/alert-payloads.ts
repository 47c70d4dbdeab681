// A delivery's CloudEvent, built from its facts and what the store holds at its first attempt (the
// images and workloads that carry the exposure then, as far as the destination's filters pass them).
// Kept with the delivery once built, so that retries send the same bytes.
import { resourceIdOf } from '../domain/images.ts';
import { severities } from '../domain/severity.ts';
import type { AlertDeliveryRow } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { DeliveryFacts } from '../store/exposure-writes.ts';
import { cloudEvent, type CloudEvent, type ExposureData, type SummaryData } from './alert-messages.ts';
import { clusterNameOf, matchExposure, type AlertRouting } from './alert-routing.ts';
import type { AlertEventType } from './alerts-file.ts';

const summaryListed = 50;

export async function payloadOf(store: Store, routing: AlertRouting, delivery: AlertDeliveryRow, consoleUrl: string): Promise<CloudEvent> {
  const facts = JSON.parse(delivery.facts) as DeliveryFacts;
  const type = delivery.event_type as AlertEventType;
  const base = { id: delivery.event_id, type, time: Number(delivery.event_time) };
  if (type === 'io.imagescope.summary') return cloudEvent({ ...base, data: await summaryData(store, routing, delivery.account_id, facts, consoleUrl) });
  if (!facts.vulnerabilityId) return cloudEvent({ ...base, data: facts as Record<string, unknown> });
  return cloudEvent({ ...base, subject: facts.vulnerabilityId, data: await exposureData(store, routing, delivery, facts, consoleUrl) });
}

async function exposureData(store: Store, routing: AlertRouting, delivery: AlertDeliveryRow, facts: DeliveryFacts, consoleUrl: string): Promise<ExposureData> {
  const accountId = delivery.account_id;
  const [clusterArn, vulnerabilityId] = [facts.clusterArn!, facts.vulnerabilityId!];
  const resolved = delivery.event_type === 'io.imagescope.exposure.resolved';
  // A resolved exposure runs nowhere: it names no images or workloads.
  const details = resolved ? undefined : await store.alerts.exposureDetails(accountId, clusterArn, vulnerabilityId);
  const carriers = details?.carriers.map((c) => ({ repository: c.image_repository, digest: c.image_digest, platform: c.platform, detailsGroup: c.details_group, rank: Number(c.severity_rank), fixable: Number(c.fixable) === 1 })) ?? [];
  const passing = matchExposure(routing, { accountId, clusterArn, vulnerabilityId }, carriers, facts.exploited ?? false)?.carriers ?? carriers;
  const passes = (repository: string, digest: string, group: string) => passing.some((c) => c.repository === repository && c.digest === digest && c.detailsGroup === group);
  const images = [...new Map(passing.map((c) => [`${c.repository}\u0000${c.digest}`, c])).values()].map((c) => ({
    repository: c.repository, digest: c.digest, tags: details?.tags.get(`${c.repository}\u0000${c.digest}`) ?? [], resourceId: resourceIdOf(c),
  }));
  const workloads = new Map<string, ExposureData['workloads'][number]>();
  for (const w of details?.workloads ?? []) {
    if (!passes(w.repository, w.digest, w.detailsGroup)) continue;
    const namespace = w.platform === 'EKS' ? w.detailsGroup : '';
    const key = `${namespace}\u0000${w.kind}\u0000${w.name}`;
    const seen = workloads.get(key);
    if (seen) seen.runningUnits += w.runningUnits;
    else workloads.set(key, { namespace, kind: w.kind, name: w.name, runningUnits: w.runningUnits });
  }
  const aliases = new Set([...(details?.related ?? []), ...(details?.carriers.flatMap((c) => (c.aliases ? c.aliases.split(',') : [])) ?? [])]);
  aliases.delete(vulnerabilityId);
  return {
    exposureId: facts.exposureId!, accountId, severity: severities[facts.rank ?? 5]!,
    ...(facts.previousRank !== undefined && { previousSeverity: severities[facts.previousRank] }),
    exploited: facts.exploited ?? false, vulnerabilityId, aliases: [...aliases].sort(), cluster: clusterArn, clusterName: clusterNameOf(clusterArn),
    images, workloads: [...workloads.values()].sort((a, b) => b.runningUnits - a.runningUnits || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)),
    fixAvailable: passing.some((c) => c.fixable),
    consoleUrl: `${consoleUrl}/vulnerabilities/${encodeURIComponent(vulnerabilityId)}`,
    openedAt: new Date(facts.openedAt ?? Number(delivery.event_time)).toISOString(),
    ...(facts.resolvedAt !== undefined && { resolvedAt: new Date(facts.resolvedAt).toISOString() }),
    ...(facts.change && { change: facts.change }),
  };
}

async function summaryData(store: Store, routing: AlertRouting, accountId: string, facts: DeliveryFacts, consoleUrl: string): Promise<SummaryData> {
  const summary = (facts.summary ?? {}) as { reason?: string; since?: number; openedSince?: number; resolvedSince?: number };
  const open = (await store.alerts.openNotices(accountId, routing.name)).sort((a, b) => Number(a.severity_rank) - Number(b.severity_rank) || Number(a.opened_at) - Number(b.opened_at));
  const bySeverity: Record<string, number> = {};
  for (const n of open) bySeverity[severities[Number(n.severity_rank)]!] = (bySeverity[severities[Number(n.severity_rank)]!] ?? 0) + 1;
  return {
    accountId, reason: summary.reason ?? 'daily', open: { total: open.length, bySeverity },
    exposures: open.slice(0, summaryListed).map((n) => ({ vulnerabilityId: n.vulnerability_id, cluster: n.cluster_arn, severity: severities[Number(n.severity_rank)]!, openedAt: new Date(Number(n.opened_at)).toISOString() })),
    ...(summary.openedSince !== undefined && { openedSince: summary.openedSince, resolvedSince: summary.resolvedSince }),
    ...(summary.since !== undefined && { since: new Date(summary.since).toISOString() }),
    consoleUrl: `${consoleUrl}/vulnerabilities`,
  };
}
