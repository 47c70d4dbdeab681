// One delivery attempt of one message to one destination: signed CloudEvents to a webhook (one event
// in structured mode, several as a batch), or a Slack message, cut off after 10 s. It says what the
// receiver answered; whether to retry is the relay's decision (delivery-policy.ts).
import { slackMessage, type CloudEvent } from './alert-messages.ts';
import type { Destination } from './alerts-file.ts';
import { webhookHeaders } from './webhook-signature.ts';

export interface DeliveryAnswer {
  status?: number;
  /** The start of the answer's body, or the network error. */
  body: string;
  retryAfter?: string;
}

const bodyKept = 2_000;

/** `messageId` is the webhook-id: the event's own id for a message of one event, the batch's otherwise; the same on every retry. */
export async function deliver(destination: Destination, events: CloudEvent[], messageId: string, now: number, timeoutMs = 10_000): Promise<DeliveryAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'imagescope', ...destination.headers };
  let body: string;
  if (destination.type === 'slack') {
    body = JSON.stringify(slackMessage(events));
  } else {
    const batch = events.length > 1;
    body = JSON.stringify(batch ? events : events[0]);
    Object.assign(headers, { 'content-type': batch ? 'application/cloudevents-batch+json' : 'application/cloudevents+json' }, webhookHeaders(destination.secret, messageId, body, now));
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
