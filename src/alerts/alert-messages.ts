// What a destination receives: a CloudEvents 1.0 JSON event (webhooks), or one readable Slack message
// with `text` and `blocks` (Slack incoming webhooks). The event's data names the exposure: severity,
// vulnerability and aliases, cluster, images, workloads, fix, and the console's URL of it.
import type { Severity } from '../domain/severity.ts';
import type { AlertEventType } from './alerts-file.ts';

export interface ExposureData {
  severity: Severity;
  vulnerabilityId: string;
  aliases: string[];
  accountId: string;
  cluster: string;
  images: { repository: string; digest: string; tags: string[] }[];
  workloads: { namespace: string; kind: string; name: string; runningUnits: number }[];
  fixAvailable: boolean;
  consoleUrl: string;
}

export interface AlertEvent {
  id: string;
  type: AlertEventType;
  /** Epoch ms. */
  time: number;
  data: ExposureData;
}

export const eventSource = 'imagescope';

export function cloudEvent(event: AlertEvent): object {
  return {
    specversion: '1.0',
    id: event.id,
    source: eventSource,
    type: event.type,
    subject: event.data.vulnerabilityId,
    time: new Date(event.time).toISOString(),
    datacontenttype: 'application/json',
    data: event.data,
  };
}

const verbs: Record<AlertEventType, string> = {
  'io.imagescope.exposure.opened': 'runs in',
  'io.imagescope.exposure.escalated': 'got worse in',
  'io.imagescope.exposure.resolved': 'no longer runs in',
  'io.imagescope.feed.stale': 'stopped feeding',
  'io.imagescope.summary': 'summary for',
};

/** One message for a batch of events, as Slack renders it (mrkdwn; `text` is the notification's fallback). */
export function slackMessage(events: AlertEvent[]): object {
  const line = (e: AlertEvent) => `*${e.data.severity}* ${e.data.vulnerabilityId} ${verbs[e.type]} *${e.data.cluster}*`;
  const blocks = events.flatMap((e) => [
    { type: 'section', text: { type: 'mrkdwn', text: `${line(e)}\n${e.data.workloads.map((w) => `• ${w.namespace}/${w.kind}/${w.name} (${w.runningUnits} running)`).join('\n')}` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${e.data.fixAvailable ? 'A fix is available' : 'No fix yet'} · <${e.data.consoleUrl}|open in imagescope>` }] },
  ]);
  return { text: events.map(line).join('\n').replace(/\*/g, ''), blocks };
}
