// A real imagescope server on port 0 over a fresh database, plus real AWS SDK clients pointed at it.
import { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import pino, { type Logger } from 'pino';
import { startServer, type RunningServer } from '../../src/server/app.ts';
import { serverConfig } from '../../src/server/config.ts';
import type { DatabaseKind, TestDatabase } from './databases.ts';

export interface TestServer extends RunningServer {
  database: TestDatabase;
  clock: { now: number };
  /** Stops the server and drops its database. */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Fixed clock (epoch ms), movable through `clock.now`; absent: the real clock. */
  now?: number;
  /** Reuse a database (to restart a server over the same data). */
  database?: TestDatabase;
  logger?: Logger;
  /** Server environment variables (IMAGESCOPE_*), as `imagescope serve` would read them. */
  env?: Record<string, string>;
}

export async function startTestServer(kind: DatabaseKind, options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? (await kind.create());
  const clock = { now: options.now ?? Date.now() };
  const config = serverConfig({ host: '127.0.0.1', port: '0', db: database.location }, options.env ?? {});
  const server = await startServer(config, {
    now: options.now === undefined ? Date.now : () => clock.now,
    logger: options.logger ?? pino({ level: process.env.IMAGESCOPE_TEST_LOG_LEVEL ?? 'silent' }),
  });
  return {
    ...server,
    database,
    clock,
    async stop() {
      await server.close();
      await database.drop();
    },
  };
}

/** The real Inspector2 client; the access key id picks the tenant account when it is 12 digits. */
export function inspector2Client(url: string, accessKeyId = '111122223333', region = 'us-west-2', secretAccessKey = 'any-secret', maxAttempts = 1): Inspector2Client {
  return new Inspector2Client({ endpoint: url, region, credentials: { accessKeyId, secretAccessKey }, maxAttempts });
}

/** The real Image Builder client; the access key id picks the tenant account when it is 12 digits. */
export function imagebuilderClient(url: string, accessKeyId = '111122223333', region = 'us-west-2', secretAccessKey = 'any-secret', maxAttempts = 1): ImagebuilderClient {
  return new ImagebuilderClient({ endpoint: url, region, credentials: { accessKeyId, secretAccessKey }, maxAttempts });
}

/** POSTs a raw body to the server, for requests an SDK would refuse to send. */
export async function postRaw(url: string, path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

/** Ingests a file through the server's HTTP ingest endpoint. */
export async function ingestViaEndpoint(url: string, text: string, params: Record<string, string> = {}) {
  const query = new URLSearchParams({ accountId: '111122223333', ...params });
  const response = await fetch(`${url}/_imagescope/ingest?${query}`, { method: 'POST', body: text });
  return { status: response.status, body: (await response.json()) as any };
}

/** GET /_imagescope/health/ready: its status and JSON body. */
export async function readiness(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/_imagescope/health/ready`);
  return { status: response.status, body: await response.json() };
}
