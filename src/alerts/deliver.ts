// One delivery attempt to one destination: a signed CloudEvent to a webhook, or a Slack message, cut
// off after 10 s. It says what the receiver answered; retrying is the caller's decision.
import { cloudEvent, slackMessage, type AlertEvent } from './alert-messages.ts';
import type { Destination } from './alerts-file.ts';
import { webhookHeaders } from './webhook-signature.ts';

export interface DeliveryAnswer {
  status?: number;
  /** The start of the answer's body, or the network error. */
  body: string;
  retryAfter?: string;
}

const timeoutMs = 10_000;
const bodyKept = 2_000;

export async function deliver(destination: Destination, events: AlertEvent[], now: number): Promise<DeliveryAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'imagescope', ...destination.headers };
  let body: string;
  if (destination.type === 'slack') {
    body = JSON.stringify(slackMessage(events));
  } else {
    // A webhook gets one event per request: CloudEvents' structured mode, signed.
    body = JSON.stringify(cloudEvent(events[0]!));
    Object.assign(headers, { 'content-type': 'application/cloudevents+json' }, webhookHeaders(destination.secret, events[0]!.id, body, now));
  }
  try {
    const response = await fetch(destination.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = (await response.text()).slice(0, bodyKept);
    return { status: response.status, body: text, ...(response.headers.get('retry-after') && { retryAfter: response.headers.get('retry-after')! }) };
  } catch (error) {
    const { name, message, cause } = error as Error & { cause?: Error };
    return { body: name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : `${message}${cause ? `: ${cause.message}` : ''}` };
  }
}
