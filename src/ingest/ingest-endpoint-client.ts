// Sends one input to a running server's ingest endpoint (POST /_imagescope/ingest). Against a server
// with --auth sigv4 it signs with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (service `imagescope`), or
// sends IMAGESCOPE_INGEST_TOKEN. A busy server (503) is retried after its Retry-After.
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { IngestSummary } from './ingest-input.ts';
import type { IngestOptions } from './ingest-options.ts';
import { IngestRejection } from './ingest-rejection.ts';
import { ingestPath, ingestSigningService, ingestTokenHeader, optionalParameters } from './ingest-endpoint.ts';

const attempts = 5;

export async function postToEndpoint(endpoint: string, name: string, text: string, options: IngestOptions, sendAccount: boolean): Promise<IngestSummary> {
  const query: Record<string, string> = { name, format: options.format };
  if (sendAccount) query.accountId = options.accountId;
  for (const key of optionalParameters) if (options[key]) query[key] = options[key]!;
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(new URL(`${ingestPath}?${new URLSearchParams(query)}`, endpoint), {
      method: 'POST',
      headers: await authHeaders(new URL(endpoint), query, text),
      body: text,
    });
    const body = (await response.json()) as IngestSummary & { error?: string; message?: string; path?: string; reason?: string };
    if (response.ok) return body;
    if (response.status === 503 && attempt < attempts) {
      await new Promise((r) => setTimeout(r, 1000 * Number(response.headers.get('retry-after') ?? attempt)));
      continue;
    }
    if (body.error === 'IngestRejected') throw new IngestRejection(body.path ?? '$', body.reason ?? body.message ?? 'rejected', name);
    throw new Error(`${endpoint} answered ${response.status}: ${body.message ?? JSON.stringify(body)}`);
  }
}

async function authHeaders(endpoint: URL, query: Record<string, string>, body: string): Promise<Record<string, string>> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, IMAGESCOPE_INGEST_TOKEN: token } = process.env;
  if (token) return { ...headers, [ingestTokenHeader]: token };
  if (!accessKeyId || !secretAccessKey) return headers;
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey },
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    service: ingestSigningService,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    new HttpRequest({ method: 'POST', protocol: endpoint.protocol, hostname: endpoint.hostname, port: Number(endpoint.port) || undefined, path: ingestPath, query, headers: { ...headers, host: endpoint.host }, body }),
  );
  const { host: _host, ...rest } = signed.headers;
  return rest;
}
