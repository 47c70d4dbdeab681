// Standard Webhooks signatures (standardwebhooks.com): the signed content is
// `<webhook-id>.<webhook-timestamp>.<body>`, signed with HMAC-SHA256 under the secret's bytes, sent as
// `webhook-signature: v1,<base64>` beside `webhook-id` and `webhook-timestamp` (epoch seconds). A
// retry sends the same id, so a receiver drops what it has seen.
import { createHmac } from 'node:crypto';

export function webhookHeaders(secret: Buffer, id: string, body: string, now: number): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const signature = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
