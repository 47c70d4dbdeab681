// Sends one input to a running server's ingest endpoint (POST /_imagescope/ingest).
import type { IngestSummary } from '../ingest/ingest-input.ts';
import type { IngestOptions } from '../ingest/ingest-options.ts';
import { IngestRejection } from '../ingest/ingest-rejection.ts';
import { optionalParameters } from '../server/ingest-route.ts';

export async function postToEndpoint(endpoint: string, name: string, text: string, options: IngestOptions): Promise<IngestSummary> {
  const query = new URLSearchParams({ name, format: options.format, accountId: options.accountId });
  for (const key of optionalParameters) if (options[key]) query.set(key, options[key]!);
  const response = await fetch(new URL(`/_imagescope/ingest?${query}`, endpoint), {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: text,
  });
  const body = (await response.json()) as IngestSummary & { error?: string; message?: string; path?: string; reason?: string };
  if (response.ok) return body;
  if (body.error === 'IngestRejected') throw new IngestRejection(body.path ?? '$', body.reason ?? body.message ?? 'rejected', name);
  throw new Error(`${endpoint} answered ${response.status}: ${body.message ?? JSON.stringify(body)}`);
}
