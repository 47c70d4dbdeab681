// Health checks for load balancers, container runtimes and Kubernetes probes, outside the AWS URL
// space: no credentials, no throttling, nothing about tenants. `live` answers while the process
// serves; `ready` while the store answers a query within a second (see store/readiness.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../store/store.ts';

export const livePath = '/_imagescope/health/live';
export const readyPath = '/_imagescope/health/ready';

export function healthRoutes(store: Store): FastifyPluginAsync {
  return async (app) => {
    app.get(livePath, async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'live' }));
    app.get(readyPath, async (_request, reply) => {
      const reason = await store.notReadyReason();
      reply.header('cache-control', 'no-store');
      return reason === undefined ? reply.send({ status: 'ready' }) : reply.code(503).send({ status: 'not ready', reason });
    });
  };
}
