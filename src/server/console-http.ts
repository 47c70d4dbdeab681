// The console on the HTTP server: each console route (src/console/console-routes.ts) as a Fastify GET
// route, with the caller resolved first (console-access.ts), and /console.css. A failure becomes the
// console's own 400/401/403/503 answer; an unexpected one is logged with a request id and answered 500.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { CachedAccessKeys } from '../protocol/access-key-cache.ts';
import type { AuthMode } from '../protocol/authenticate.ts';
import type { ServerSettings } from '../protocol/operation.ts';
import type { PaginationTokens } from '../protocol/pagination-token.ts';
import type { Store } from '../store/store.ts';
import { consoleCaller } from '../console/console-access.ts';
import { consoleCss } from '../console/console-css.ts';
import { ConsoleCursors } from '../console/console-cursor.ts';
import type { ConsoleResponse } from '../console/console-response.ts';
import { securityHeaders } from '../console/console-response.ts';
import { consoleFailure, consoleRoutes } from '../console/console-routes.ts';
import type { PageContext } from '../console/pages/layout.ts';

export const consoleCssPath = '/console.css';

export interface ConsoleHttpDependencies {
  store: Store;
  keys: CachedAccessKeys;
  tokens: PaginationTokens;
  settings: ServerSettings;
  authMode: AuthMode;
  logger: Logger;
  now: () => number;
}

export function consoleHttp(deps: ConsoleHttpDependencies): FastifyPluginAsync {
  const consoleDeps = { store: deps.store, cursors: new ConsoleCursors(deps.tokens), retentionMs: deps.settings.retentionMs };
  return async (app) => {
    app.get(consoleCssPath, async (_request, reply) => reply.headers({ ...securityHeaders, 'cache-control': 'public, max-age=3600', 'content-type': 'text/css; charset=utf-8' }).send(consoleCss));
    for (const route of consoleRoutes) {
      app.get(route.path, async (request, reply) => {
        const query = request.query as Record<string, string | undefined>;
        const now = deps.now();
        let context: PageContext | undefined;
        let response: ConsoleResponse;
        try {
          const stamp = deps.store.changeStamp();
          const caller = await consoleCaller(route.kind, signedRequest(request), query.accountId, { authMode: deps.authMode, settings: deps.settings, findKey: (id) => deps.keys.find(id, stamp), now });
          context = { accountId: caller.accountId, accountInUrl: caller.accountInUrl };
          response = await route.handle({ params: request.params as Record<string, string>, query, accountId: caller.accountId, now }, context, consoleDeps);
        } catch (error) {
          // A page refused before its account is known still answers as a page.
          response = consoleFailure(route.kind, context ?? { accountId: '', accountInUrl: false }, error);
          if (response.statusCode === 500) deps.logger.error({ err: error, requestId: randomUUID(), route: route.name }, 'unexpected failure');
        }
        return reply.code(response.statusCode).headers(response.headers).send(response.body);
      });
    }
  };
}

function signedRequest(request: FastifyRequest) {
  const [path, query = ''] = request.url.split('?', 2);
  return { method: request.method, path: path!, query, headers: request.headers, body: Buffer.alloc(0) };
}
