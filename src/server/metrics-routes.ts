// GET /metrics for Prometheus, and the hook that times every request for it. With --auth none the
// endpoint is open, like the rest of a loopback server; with --auth sigv4 it takes the bearer token in
// IMAGESCOPE_METRICS_TOKEN (a scraper has no AWS signer), and without one configured it says so.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { routeOf } from '../protocol/operations.ts';
import type { AuthMode } from '../protocol/authenticate.ts';
import { livePath, readyPath } from './health-routes.ts';
import { ingestPath } from '../ingest/ingest-endpoint.ts';
import { consoleCssPath } from './console-http.ts';
import { consoleRoutes } from '../console/console-routes.ts';
import type { ServerMetrics } from './metrics.ts';

export const metricsPath = '/metrics';

const ownRoutes: Record<string, string> = { [ingestPath]: 'ingest', [livePath]: 'health', [readyPath]: 'health', [metricsPath]: 'metrics', [consoleCssPath]: 'console_css', '/login': 'sign_in', '/logout': 'sign_out' };
/** Console routes by their pattern (a path holds a vulnerability id, which is no label). */
const consoleRouteNames = new Map(consoleRoutes.map((route) => [route.path, route.name]));

/** Bounded labels for a request: the AWS service and operation, a console route, or one of the server's own. */
function routeLabels(method: string, path: string, routePattern: string | undefined): { service: string; operation: string } {
  const operation = routeOf(method, path);
  if (operation) return { service: operation.service.model.metadata.signingName, operation: operation.name };
  const consoleRoute = method === 'GET' && routePattern !== undefined ? consoleRouteNames.get(routePattern) : undefined;
  if (consoleRoute) return { service: 'console', operation: consoleRoute };
  return { service: 'imagescope', operation: ownRoutes[path] ?? 'unknown' };
}

/** The onResponse hook that times every request. */
export function timeRequests(metrics: ServerMetrics) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const labels = routeLabels(request.method, request.url.split('?', 1)[0]!, request.routeOptions.url);
    metrics.requestDuration.observe({ ...labels, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  };
}

export function metricsRoutes(metrics: ServerMetrics, auth: AuthMode, token: string | undefined): FastifyPluginAsync {
  return async (app) => {
    app.get(metricsPath, async (request, reply) => {
      if (auth === 'sigv4') {
        if (!token) return reply.code(401).send({ message: 'set IMAGESCOPE_METRICS_TOKEN on the server to scrape /metrics with --auth sigv4' });
        const given = Buffer.from(request.headers.authorization ?? '');
        const expected = Buffer.from(`Bearer ${token}`);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.code(401).header('www-authenticate', 'Bearer').send({ message: 'a valid bearer token is required' });
      }
      return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(await metrics.registry.metrics());
    });
  };
}
