// The HTTP adapter: the only code that knows the web framework. It hands raw requests to the
// protocol pipeline or the ingest endpoint and writes back what they return; it has no AWS logic.
import Fastify, { LogController } from 'fastify';
import pino, { type Logger } from 'pino';
import { newTokenKey, PaginationTokens } from '../protocol/pagination-token.ts';
import { handleAwsRequest, type PipelineDependencies } from '../protocol/pipeline.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import type { ServerConfig } from './config.ts';
import { handleIngest, ingestPath } from './ingest-route.ts';

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  /** Stops accepting, drains in-flight requests, then closes the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** Clock override (epoch ms) for tests of time windows and token expiry. */
  now?: () => number;
  logger?: Logger;
}

const awsBodyLimit = 1024 * 1024;
const ingestBodyLimit = 1024 * 1024 * 1024;

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel }, pino.destination(2));
  const store = await openStore(config.db);
  const deps: PipelineDependencies = {
    store,
    tokens: new PaginationTokens(await store.secret('pagination-token-key', newTokenKey)),
    settings: config.settings,
    logger,
    now: options.now ?? Date.now,
  };
  const app = buildApp(deps, logger);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    store,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

function buildApp(deps: PipelineDependencies, logger: Logger) {
  const app = Fastify({
    loggerInstance: logger,
    // Per-request info logs would double the cost of a request; failures are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: awsBodyLimit,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  // Bodies reach the pipeline as raw bytes whatever the content type: parsing JSON is the protocol
  // layer's job, so that malformed bodies get the modelled error rather than a framework one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(ingestPath, { bodyLimit: ingestBodyLimit }, async (request, reply) => {
    const result = await handleIngest(request.query as Record<string, string>, bodyOf(request.body), deps);
    return reply.code(result.statusCode).send(result.body);
  });
  app.all('/*', async (request, reply) => {
    const path = request.url.split('?')[0];
    const response = await handleAwsRequest({ method: request.method, path, headers: request.headers, body: bodyOf(request.body) }, deps);
    return reply.code(response.statusCode).headers(response.headers).send(response.body);
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const statusCode = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (statusCode === 500) logger.error({ err: error }, 'unexpected failure');
    const message = statusCode === 500 ? 'Internal failure' : error.message;
    return reply.code(statusCode).header('x-amzn-errortype', statusCode === 500 ? 'InternalFailure' : (error.code ?? 'BadRequest')).send({ message });
  });
  return app;
}

function bodyOf(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}
