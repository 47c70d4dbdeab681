// What a destination receives: CloudEvents 1.0 JSON (webhooks; one event in structured mode, several
// as a batch), or one readable Slack message per batch with `text` and `blocks` (Slack incoming
// webhooks). An exposure event's data names the exposure: severity, vulnerability and aliases,
// cluster, images, workloads, fix, and the console's URL of it. The CloudEvent is built once, at a
// delivery's first attempt, and kept: every retry sends the same bytes.
import { severities } from '../domain/severity.ts';
import type { AlertEventType } from './alerts-file.ts';

export interface ExposureData {
  exposureId: string;
  accountId: string;
  severity: string;
  /** Escalated: the severity told before. */
  previousSeverity?: string;
  exploited: boolean;
  vulnerabilityId: string;
  /** Other ids of the same vulnerability (a GHSA that names the CVE, the CVE a GHSA names). */
  aliases: string[];
  /** The cluster's ARN, and its name as people say it. */
  cluster: string;
  clusterName: string;
  images: { repository: string; digest: string; tags: string[]; resourceId: string }[];
  workloads: { namespace: string; kind: string; name: string; runningUnits: number }[];
  fixAvailable: boolean;
  consoleUrl: string;
  /** ISO 8601. */
  openedAt: string;
  resolvedAt?: string;
  /** Updated: what changed (`reopened`: back within the cooldown of its resolve). */
  change?: string;
}

export interface SummaryData {
  accountId: string;
  /** `baseline`: alerts were just turned on for the destination; `daily`: the schedule. */
  reason: string;
  open: { total: number; bySeverity: Record<string, number> };
  /** The worst open exposures (at most 50). */
  exposures: { vulnerabilityId: string; cluster: string; severity: string; openedAt: string }[];
  openedSince?: number;
  resolvedSince?: number;
  /** ISO 8601: what `openedSince` and `resolvedSince` count from. */
  since?: string;
  consoleUrl: string;
}

export interface AlertEvent {
  id: string;
  type: AlertEventType;
  /** Epoch ms. */
  time: number;
  subject?: string;
  data: ExposureData | SummaryData | Record<string, unknown>;
}

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: AlertEventType;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  data: AlertEvent['data'];
}

export const eventSource = 'imagescope';

export function cloudEvent(event: AlertEvent): CloudEvent {
  return {
    specversion: '1.0',
    id: event.id,
    source: eventSource,
    type: event.type,
    ...(event.subject && { subject: event.subject }),
    time: new Date(event.time).toISOString(),
    datacontenttype: 'application/json',
    data: event.data,
  };
}

const verbs: Partial<Record<AlertEventType, string>> = {
  'io.imagescope.exposure.opened': 'runs in',
  'io.imagescope.exposure.escalated': 'got worse in',
  'io.imagescope.exposure.updated': 'runs again in',
  'io.imagescope.exposure.resolved': 'no longer runs in',
};

/** Detailed sections per message (Slack allows 50 blocks); the rest are counted in a last line. */
const detailedEvents = 20;

/** One message for a batch of events, as Slack renders it (mrkdwn; `text` is the notification's fallback). */
export function slackMessage(events: CloudEvent[]): { text: string; blocks: object[] } {
  const ordered = [...events].sort((a, b) => rank(a) - rank(b));
  const lines = ordered.map(lineOf);
  const blocks: object[] = ordered.slice(0, detailedEvents).flatMap(sectionsOf);
  if (ordered.length > detailedEvents) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${ordered.length - detailedEvents} more: ${countsOf(ordered.slice(detailedEvents))}` }] });
  const text = ordered.length === 1 ? lines[0]! : `${ordered.length} imagescope alerts: ${countsOf(ordered)}`;
  return { text: text.replace(/\*/g, ''), blocks };
}

function rank(event: CloudEvent): number {
  const severity = (event.data as { severity?: string }).severity;
  return severity ? (severities as readonly string[]).indexOf(severity) : severities.length;
}

function lineOf(event: CloudEvent): string {
  if (event.type === 'io.imagescope.summary') {
    const d = event.data as SummaryData;
    return `imagescope summary for account ${d.accountId}: *${d.open.total}* open exposures (${severities.filter((s) => d.open.bySeverity[s]).map((s) => `${d.open.bySeverity[s]} ${s}`).join(', ') || 'none'})`;
  }
  if (event.type === 'io.imagescope.feed.stale') return `A feed stopped: ${JSON.stringify(event.data)}`;
  const d = event.data as ExposureData;
  const was = d.previousSeverity ? ` (was ${d.previousSeverity})` : d.exploited && event.type === 'io.imagescope.exposure.escalated' ? ' (known exploited)' : '';
  return `*${d.severity}*${was} ${d.vulnerabilityId} ${verbs[event.type]} *${d.clusterName ?? d.cluster}*`;
}

function sectionsOf(event: CloudEvent): object[] {
  const d = event.data as ExposureData & SummaryData;
  const link = `<${d.consoleUrl}|open in imagescope>`;
  if (event.type === 'io.imagescope.summary' || event.type === 'io.imagescope.feed.stale') {
    const list = (d.exposures ?? []).slice(0, 10).map((e) => `• *${e.severity}* ${e.vulnerabilityId} in ${e.cluster}`).join('\n');
    return [{ type: 'section', text: { type: 'mrkdwn', text: `${lineOf(event)}${list ? `\n${list}` : ''}` } }, { type: 'context', elements: [{ type: 'mrkdwn', text: link }] }];
  }
  const workloads = (d.workloads ?? []).slice(0, 10).map((w) => `• ${w.namespace ? `${w.namespace}/` : ''}${w.kind}/${w.name} (${w.runningUnits} running)`).join('\n');
  const fix = event.type === 'io.imagescope.exposure.resolved' ? 'Resolved' : d.fixAvailable ? 'A fix is available' : 'No fix yet';
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `${lineOf(event)}${workloads ? `\n${workloads}` : ''}` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${fix} · ${link}` }] },
  ];
}

function countsOf(events: CloudEvent[]): string {
  const byType = new Map<string, number>();
  for (const e of events) byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
  return [...byType].map(([type, n]) => `${n} ${type.split('.').pop()}`).join(', ');
}
