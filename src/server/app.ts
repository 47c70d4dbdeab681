// The HTTP adapter: the only code that knows the web framework. It hands raw requests to the
// protocol pipeline or the ingest endpoint and writes back what they return; it has no AWS logic.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Fastify, { LogController } from 'fastify';
import pino, { type Logger } from 'pino';
import { CachedAccessKeys } from '../protocol/access-key-cache.ts';
import { AnswerCache } from '../protocol/answer-cache.ts';
import { routeOf } from '../protocol/operations.ts';
import { newTokenKey, PaginationTokens } from '../protocol/pagination-token.ts';
import { handleAwsRequest, type PipelineDependencies } from '../protocol/pipeline.ts';
import { Throttle } from '../protocol/throttle.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import type { ServerConfig } from './config.ts';
import { awsDirectLane } from './aws-direct.ts';
import { consoleHttp } from './console-http.ts';
import { wireRequest } from './wire-request.ts';
import { healthRoutes } from './health-routes.ts';
import { handleIngest, type IngestDependencies, type IngestReply } from './ingest-route.ts';
import { ingestPath } from '../ingest/ingest-endpoint.ts';
import { ServerMetrics } from './metrics.ts';
import { metricsRoutes, timeRequests } from './metrics-routes.ts';
import type { IngestSummary } from '../ingest/ingest-input.ts';
import { formats } from '../ingest/formats.ts';
import { IngestBatcher } from '../ingest/ingest-batcher.ts';
import { ReadModels } from '../read-models/read-models.ts';
import { AlertRelay } from '../alerts/alert-relay.ts';

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

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel }, pino.destination(2));
  const store = await openStore(config.db);
  const deps: PipelineDependencies = {
    store,
    readModels: new ReadModels(store),
    keys: new CachedAccessKeys(store),
    answers: new AnswerCache(),
    tokens: new PaginationTokens(await store.secret('pagination-token-key', newTokenKey)),
    settings: config.settings,
    authMode: config.auth,
    throttle: new Throttle(config.throttle),
    logger,
    now: options.now ?? Date.now,
  };
  const metrics = new ServerMetrics();
  metrics.startSnapshots(store, config.metrics.snapshotIntervalMs, config.settings.scanFreshnessMs, logger);
  const app = buildApp({ ...deps, ingests: new IngestBatcher(store, deps.now) }, config, logger, metrics);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    metrics.stop();
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  const relay = config.alerts && new AlertRelay(store, config.alerts, {
    consoleUrl: config.publicUrl ?? url,
    logger: logger.child({ component: 'alerts' }),
    now: deps.now,
    timing: config.alertTiming,
    attempted: (destination, outcome, events) => metrics.alertDeliveries.inc({ destination: destination.name, type: destination.type, outcome }, events),
  });
  try {
    await relay?.start();
  } catch (error) {
    metrics.stop();
    await app.close();
    await store.close();
    throw error;
  }
  return {
    url,
    port,
    store,
    close: async () => {
      metrics.stop();
      await relay?.close();
      await app.close();
      await store.close();
    },
  };
}

/** An ingest request's outcome for the metrics: its format (as recognised, else as asked) and result. */
function countIngest(metrics: ServerMetrics, result: IngestReply, askedFormat: string | undefined, elapsedMs: number): void {
  const stored = result.statusCode === 200 && 'format' in result.body;
  const format = stored ? (result.body as IngestSummary).format : (askedFormat ?? 'auto');
  const outcome = stored ? 'stored' : result.statusCode === 400 ? 'rejected' : 'failed';
  metrics.ingestDocuments.inc({ format: knownFormats.has(format) ? format : 'unknown', outcome });
  metrics.ingestDuration.observe(elapsedMs / 1000);
  if (stored) metrics.lastIngest.set({ source: format }, Date.now() / 1000);
}

/** Format labels: the formats there are (a client's `format` parameter is not trusted as a label). */
const knownFormats = new Set(['auto', ...formats.map((f) => f.name)]);

/** Fastify's default: longer than the idle timeout of common load balancers, so they close first. */
const keepAliveTimeoutMs = 72_000;

function buildApp(deps: PipelineDependencies & IngestDependencies, config: ServerConfig, logger: Logger, metrics: ServerMetrics) {
  let closing = false;
  const directLane = awsDirectLane(deps, metrics, config.limits.requestBytes, () => closing);
  const app = Fastify({
    // The server Fastify would make, with the AWS operations' fast lane ahead of it (aws-direct.ts).
    serverFactory: (fastifyHandler) => {
      const server = createServer((request, response) => directLane(request, response) || fastifyHandler(request, response));
      server.keepAliveTimeout = keepAliveTimeoutMs;
      server.requestTimeout = config.limits.requestTimeoutMs;
      server.setTimeout(config.limits.requestTimeoutMs);
      return server;
    },
    loggerInstance: logger,
    // Per-request info logs would double the cost of a request; failures are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.limits.requestBytes,
    // Slow clients: the whole request must arrive in time, and an idle socket is closed.
    requestTimeout: config.limits.requestTimeoutMs,
    connectionTimeout: config.limits.requestTimeoutMs,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  app.server.headersTimeout = config.limits.headersTimeoutMs;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Bodies reach the pipeline as raw bytes whatever the content type: parsing JSON is the protocol
  // layer's job, so that malformed bodies get the modelled error rather than a framework one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.addHook('onResponse', timeRequests(metrics));
  void app.register(metricsRoutes(metrics, config.auth, config.metrics.token));
  app.post(ingestPath, { bodyLimit: config.limits.ingestBytes }, async (request, reply) => {
    const result = await handleIngest(wireRequest(request), request.query as Record<string, string>, deps);
    countIngest(metrics, result, (request.query as Record<string, string | undefined>).format, reply.elapsedTime);
    if (result.retryAfterSeconds) reply.header('retry-after', String(result.retryAfterSeconds));
    return reply.code(result.statusCode).send(result.body);
  });
  void app.register(healthRoutes(deps.store));
  void app.register(consoleHttp({ ...deps, console: config.console, alertDestinations: config.alerts?.destinations }));
  app.all('/*', async (request, reply) => {
    const response = await handleAwsRequest(wireRequest(request), deps);
    metrics.countAwsAnswer(routeOf(request.method, request.url.split('?', 1)[0]!)?.name ?? 'unknown', response.headers['x-amzn-errortype']);
    return reply.code(response.statusCode).headers(response.headers).send(response.body);
  });
  // Failures before a handler runs (a body over the limit, a timeout, a malformed request line).
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const requestId = randomUUID();
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) logger.error({ err: error, requestId }, 'unexpected failure');
    const path = request.url.split('?')[0];
    if (path === ingestPath) {
      const tooLarge = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
      const message = tooLarge ? `the file is larger than the ${config.limits.ingestBytes}-byte ingest limit (IMAGESCOPE_MAX_INGEST_BYTES)` : status === 500 ? 'Internal failure' : error.message;
      return reply.code(status).send({ error: tooLarge ? 'IngestRejected' : 'BadRequest', message, path: '$', reason: message });
    }
    const operation = routeOf(request.method, path);
    if (operation && status < 500) {
      const reason = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `The request body is larger than ${config.limits.requestBytes} bytes.` : error.message;
      const response = operation.service.invalidInput([], reason).render(requestId);
      return reply.code(response.statusCode).headers(response.headers).send(response.body);
    }
    const response = operation ? operation.service.internalError(requestId).render(requestId) : { statusCode: status, headers: { 'x-amzn-errortype': 'BadRequest', 'x-amzn-requestid': requestId }, body: JSON.stringify({ message: status === 500 ? 'Internal failure' : error.message }) };
    return reply.code(response.statusCode).headers(response.headers).send(response.body);
  });
  return app;
}
