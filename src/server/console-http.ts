// The console on the HTTP server: each console route (src/console/console-routes.ts) as a Fastify GET
// route with its caller resolved first (console-access.ts), the sign-in form and sign-out (POST, each
// with a CSRF token: a random value in an HttpOnly SameSite=Strict cookie that the form must repeat,
// and an Origin, when sent, of this server), and /console.css. A failure becomes the console's own
// 400/401/403/503 answer; an unexpected one is logged with a request id and answered 500.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies, serialize as cookie } from 'cookie';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { CachedAccessKeys } from '../protocol/access-key-cache.ts';
import type { AuthMode } from '../protocol/authenticate.ts';
import type { ServerSettings } from '../protocol/operation.ts';
import type { PaginationTokens } from '../protocol/pagination-token.ts';
import { Throttle } from '../protocol/throttle.ts';
import type { Store } from '../store/store.ts';
import { ConsoleAccessDenied, consoleCaller, SignInRequired } from '../console/console-access.ts';
import { ConsoleNotFound } from '../console/console-request.ts';
import { consoleUrl as consoleUrlOf } from '../console/pages/layout.ts';
import { consoleCss } from '../console/console-css.ts';
import type { ReadModels } from '../read-models/read-models.ts';
import { ConsoleCursors } from '../console/console-cursor.ts';
import { htmlResponse, redirect, securityHeaders, type ConsoleResponse } from '../console/console-response.ts';
import { consoleFailure, consoleRoutes } from '../console/console-routes.ts';
import { ConsoleSessions, SignInRefused, type SessionSettings } from '../console/console-sessions.ts';
import type { PageContext } from '../console/pages/layout.ts';
import { signInPage } from '../console/pages/sign-in-page.ts';
import { wireRequest } from './wire-request.ts';
import type { Destination } from '../alerts/alerts-file.ts';

export const consoleCssPath = '/console.css';
const sessionCookie = 'imagescope_session';
const csrfCookie = 'imagescope_csrf';

export interface ConsoleHttpDependencies {
  store: Store;
  readModels: ReadModels;
  keys: CachedAccessKeys;
  tokens: PaginationTokens;
  settings: ServerSettings;
  authMode: AuthMode;
  logger: Logger;
  now: () => number;
  console: SessionSettings & { signInsPerMinute: number };
  alertDestinations?: Destination[];
}

export function consoleHttp(deps: ConsoleHttpDependencies): FastifyPluginAsync {
  const consoleDeps = { store: deps.store, fleet: deps.readModels.fleet, cursors: new ConsoleCursors(deps.tokens), retentionMs: deps.settings.retentionMs, scanFreshnessMs: deps.settings.scanFreshnessMs, alertDestinations: deps.alertDestinations };
  const findKey = (id: string) => deps.keys.find(id, deps.store.changeStamp());
  const perMinute = deps.console.signInsPerMinute;
  const sessions = new ConsoleSessions(deps.store, findKey, new Throttle({ ratePerSecond: perMinute / 60, burst: perMinute }), deps.console);
  const send = (reply: FastifyReply, response: ConsoleResponse) => reply.code(response.statusCode).headers(response.headers).send(response.body);

  return async (app) => {
    app.get(consoleCssPath, async (_request, reply) => reply.headers({ ...securityHeaders, 'cache-control': 'public, max-age=3600', 'content-type': 'text/css; charset=utf-8' }).send(consoleCss));
    for (const route of consoleRoutes) {
      app.get(route.path, async (request, reply) => {
        const query = lastValues(request.query as Record<string, string | string[] | undefined>);
        const now = deps.now();
        const cookies = parseCookies(request.headers.cookie ?? '');
        let context: PageContext | undefined;
        let response: ConsoleResponse;
        try {
          const session = deps.authMode === 'sigv4' ? await sessions.resolve(cookies[sessionCookie], now) : undefined;
          const caller = await consoleCaller(route.kind, wireRequest(request), query.accountId, { authMode: deps.authMode, settings: deps.settings, findKey, session, now });
          context = { accountId: caller.accountId, accountInUrl: caller.accountInUrl, ...(session && cookies[csrfCookie] && { signedIn: { csrf: cookies[csrfCookie] } }) };
          // A page with forms carries the CSRF cookie's token, minting one where there is none (--auth none).
          const minted = route.forms && !cookies[csrfCookie] ? randomBytes(24).toString('base64url') : undefined;
          if (route.forms) context.csrf = cookies[csrfCookie] ?? minted;
          response = await route.handle({ params: request.params as Record<string, string>, query, accountId: caller.accountId, now, role: caller.role }, context, consoleDeps);
          if (minted) response.headers['set-cookie'] = cookie(csrfCookie, minted, cookieOptions(request));
        } catch (error) {
          if (error instanceof SignInRequired) return send(reply, redirect(`/login?${new URLSearchParams({ next: request.url })}`));
          // A page refused before its account is known still answers as a page.
          response = consoleFailure(route.kind, context ?? { accountId: '', accountInUrl: false }, error);
          if (response.statusCode === 500) deps.logger.error({ err: error, requestId: randomUUID(), route: route.name }, 'unexpected failure');
        }
        return send(reply, response);
      });
    }

    app.post('/alerts/deliver-again', async (request, reply) => {
      const cookies = parseCookies(request.headers.cookie ?? '');
      const form = formOf(request);
      const query = lastValues(request.query as Record<string, string | string[] | undefined>);
      let context: PageContext = { accountId: '', accountInUrl: false };
      try {
        const now = deps.now();
        const session = deps.authMode === 'sigv4' ? await sessions.resolve(cookies[sessionCookie], now) : undefined;
        const caller = await consoleCaller('page', wireRequest(request), query.accountId, { authMode: deps.authMode, settings: deps.settings, findKey, session, now });
        context = { accountId: caller.accountId, accountInUrl: caller.accountInUrl };
        if (!csrfHolds(request, cookies[csrfCookie], form.get('csrf'))) throw new ConsoleAccessDenied(403, 'AccessDeniedException', 'The form has expired or did not come from this site; open the alerts page again.');
        if (caller.role !== 'admin') throw new ConsoleAccessDenied(403, 'AccessDeniedException', `Alerts are for the admin role; this key's role is '${caller.role}'.`);
        const [destination, messageId] = [form.get('destination') ?? '', form.get('messageId') ?? ''];
        const own = await deps.store.alerts.deliveries({ accountId: caller.accountId, destination, limit: 1, messageId });
        if (own.length === 0 || !(await deps.store.alerts.redeliver(destination, messageId, now))) throw new ConsoleNotFound(`No dead delivery '${messageId.slice(0, 80)}' to ${destination.slice(0, 80)} in this account.`);
        return send(reply, redirect(consoleUrlOf(context, '/alerts')));
      } catch (error) {
        if (error instanceof SignInRequired) return send(reply, redirect('/login?next=%2Falerts'));
        return send(reply, consoleFailure('page', context, error));
      }
    });

    app.get('/login', async (request, reply) => {
      if (deps.authMode === 'none') return send(reply, redirect('/'));
      const csrf = randomBytes(24).toString('base64url');
      const response = htmlResponse(signInPage(csrf, nextOf((request.query as Record<string, string>).next)));
      response.headers['set-cookie'] = cookie(csrfCookie, csrf, cookieOptions(request));
      return send(reply, response);
    });

    app.post('/login', async (request, reply) => {
      if (deps.authMode === 'none') return send(reply, redirect('/'));
      const form = formOf(request);
      const next = nextOf(form.get('next'));
      const csrf = parseCookies(request.headers.cookie ?? '')[csrfCookie];
      if (!csrfHolds(request, csrf, form.get('csrf'))) return send(reply, htmlResponse(signInPage(csrf ?? '', next, 'The form has expired or did not come from this site; sign in again.'), 403));
      try {
        const { token } = await sessions.signIn(form.get('accessKeyId') ?? '', form.get('secretAccessKey') ?? '', request.ip, deps.now());
        const response = redirect(next);
        response.headers['set-cookie'] = [cookie(sessionCookie, token, { ...cookieOptions(request), maxAge: deps.console.lifetimeMs / 1000 }), cookie(csrfCookie, randomBytes(24).toString('base64url'), cookieOptions(request))];
        return send(reply, response);
      } catch (error) {
        if (!(error instanceof SignInRefused)) throw error;
        const response = htmlResponse(signInPage(csrf!, next, error.message), error.retryAfterSeconds ? 429 : 401);
        if (error.retryAfterSeconds) response.headers['retry-after'] = String(error.retryAfterSeconds);
        return send(reply, response);
      }
    });

    app.post('/logout', async (request, reply) => {
      const cookies = parseCookies(request.headers.cookie ?? '');
      if (!csrfHolds(request, cookies[csrfCookie], formOf(request).get('csrf'))) return send(reply, htmlResponse(signInPage('', '/', 'The form did not come from this site.'), 403));
      await sessions.signOut(cookies[sessionCookie]);
      const response = redirect('/login');
      response.headers['set-cookie'] = cookie(sessionCookie, '', { ...cookieOptions(request), maxAge: 0 });
      return send(reply, response);
    });
  };
}

function cookieOptions(request: FastifyRequest) {
  // Secure behind TLS (directly, or a proxy that says so).
  const tls = request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
  return { httpOnly: true, sameSite: 'strict' as const, path: '/', secure: tls };
}

/**
 * The form's token repeats the cookie's, and the request, where the browser says where it comes from,
 * comes from this site. Under `Referrer-Policy: no-referrer` browsers send `Origin: null` with a form
 * post, which says nothing; `Sec-Fetch-Site` still does.
 */
function csrfHolds(request: FastifyRequest, expected: string | undefined, given: string | null | undefined): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== 'null' && URL.parse(origin)?.host !== request.headers.host) return false;
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  if (!expected || !given || expected.length !== given.length) return false;
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

function formOf(request: FastifyRequest): URLSearchParams {
  return new URLSearchParams(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
}

/** Where to go after signing in: a path on this server only (never `//host` or a scheme). */
function nextOf(value: string | null | undefined): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/';
}

/**
 * A parameter given more than once takes its last value: a checkbox after a hidden input of the same
 * name (a form's way to send "off") then reads as the box says.
 */
function lastValues(query: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(query).map(([name, value]) => [name, Array.isArray(value) ? value.at(-1) : value]));
}
