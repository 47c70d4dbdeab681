// The console's routes: pages at `/`, the JSON API under `/api/v1`, each a function from a console
// request to a response. Pages and API answers for one view come from the same query (exposure-view.ts).
import { isStoreUnavailable } from '../store/unavailable.ts';
import { ConsoleAccessDenied } from './console-access.ts';
import { clustersCsv, clustersJson, clustersView } from './clusters-view.ts';
import { ConsoleInputError, ConsoleNotFound, formatOf, vulnerabilityIdOf, type ConsoleRequest } from './console-request.ts';
import { csvResponse, htmlResponse, jsonResponse, redirect, type ConsoleResponse } from './console-response.ts';
import type { ConsoleDependencies } from './console-dependencies.ts';
import { exposureCsv, exposureJson, exposureView } from './exposure-view.ts';
import { html } from './html.ts';
import { exposurePage } from './pages/exposure-page.ts';
import { consoleUrl, layout, type PageContext } from './pages/layout.ts';
import { overviewPage } from './pages/overview-page.ts';
import { pipelinesPage } from './pages/pipelines-page.ts';
import { pipelinesCsv, pipelinesJson, pipelinesView } from './pipelines-view.ts';
import { imageDetailJson, imageDetailView, imageFindingsCsv, imagesCsv, imagesJson, imagesView } from './images-view.ts';
import { clustersPage } from './pages/clusters-page.ts';
import { coveragePage } from './pages/coverage-page.ts';
import { coverageCsv, coverageJson, coverageView } from './coverage-view.ts';
import { openApiDocument } from './openapi.ts';
import { imagePage, imagesPage } from './pages/images-page.ts';
import { vulnerabilitiesPage } from './pages/vulnerabilities-page.ts';
import { summaryView } from './summary-view.ts';
import { vulnerabilitiesCsv, vulnerabilitiesJson, vulnerabilitiesView } from './vulnerabilities-view.ts';
import { alertsView } from './alerts-view.ts';
import { alertsPage } from './pages/alerts-page.ts';
import { routingOf } from '../alerts/alert-routing.ts';

export interface ConsoleRoute {
  /** In the router's syntax (`:name` is a path parameter; `*` the rest of the path, slashes included). */
  path: string;
  kind: 'page' | 'api';
  /** The label the request metrics use. */
  name: string;
  /** The page has forms that post: it is given a CSRF token. */
  forms?: true;
  handle(request: ConsoleRequest, context: PageContext, deps: ConsoleDependencies): Promise<ConsoleResponse>;
}

/** Images per exposure page: each brings up to 100 clusters' rows; the API's callers may ask for up to 100. */
const exposurePageSize = 10;
const exposureApiPageSize = 20;
const exportedImages = 10_000;

/** Alerts are server-wide operations: the admin role's, under --auth sigv4. */
function requireAdmin(request: ConsoleRequest): void {
  if (request.role !== 'admin') throw new ConsoleAccessDenied(403, 'AccessDeniedException', `Alerts are for the admin role; this key's role is '${request.role}'.`);
}

export const consoleRoutes: ConsoleRoute[] = [
  {
    path: '/alerts',
    kind: 'page',
    name: 'alerts',
    forms: true,
    async handle(request, context, deps) {
      requireAdmin(request);
      return htmlResponse(alertsPage(context, await alertsView(deps.store, deps.alertDestinations, request.accountId, request.query, routingOf), context.csrf));
    },
  },
  {
    path: '/api/v1/alerts/deliveries',
    kind: 'api',
    name: 'api_alert_deliveries',
    async handle(request, _context, deps) {
      requireAdmin(request);
      if (formatOf(request.query) === 'csv') throw new ConsoleInputError('format', 'deliveries are an operational log: they answer JSON only');
      return jsonResponse(await alertsView(deps.store, deps.alertDestinations, request.accountId, request.query, routingOf));
    },
  },
  {
    path: '/',
    kind: 'page',
    name: 'overview',
    async handle(request, context, deps) {
      return htmlResponse(overviewPage(context, await summaryView(request, deps)));
    },
  },
  {
    path: '/api/v1/summary',
    kind: 'api',
    name: 'api_summary',
    async handle(request, _context, deps) {
      if (formatOf(request.query) === 'csv') throw new ConsoleInputError('format', 'the summary is not a list: it answers JSON only');
      return jsonResponse(await summaryView(request, deps));
    },
  },
  {
    path: '/search',
    kind: 'page',
    name: 'search',
    async handle(request, context) {
      return redirect(consoleUrl(context, `/vulnerabilities/${encodeURIComponent(vulnerabilityIdOf(request.query.q))}`));
    },
  },
  {
    path: '/vulnerabilities',
    kind: 'page',
    name: 'vulnerabilities',
    async handle(request, context, deps) {
      return htmlResponse(vulnerabilitiesPage(context, await vulnerabilitiesView(request, deps)));
    },
  },
  {
    path: '/api/v1/vulnerabilities',
    kind: 'api',
    name: 'api_vulnerabilities',
    async handle(request, _context, deps) {
      if (formatOf(request.query) === 'csv') return csvResponse(vulnerabilitiesCsv(await vulnerabilitiesView(request, deps, true)), 'vulnerabilities');
      return jsonResponse(vulnerabilitiesJson(await vulnerabilitiesView(request, deps)));
    },
  },
  {
    path: '/images',
    kind: 'page',
    name: 'images',
    async handle(request, context, deps) {
      return htmlResponse(imagesPage(context, await imagesView(request, deps)));
    },
  },
  {
    path: '/api/v1/images',
    kind: 'api',
    name: 'api_images',
    async handle(request, _context, deps) {
      if (formatOf(request.query) === 'csv') return csvResponse(imagesCsv(await imagesView(request, deps, true)), 'images');
      return jsonResponse(imagesJson(await imagesView(request, deps)));
    },
  },
  {
    path: '/images/*',
    kind: 'page',
    name: 'image',
    async handle(request, context, deps) {
      return htmlResponse(imagePage(context, await imageDetailView(request, deps)));
    },
  },
  {
    path: '/api/v1/images/*',
    kind: 'api',
    name: 'api_image',
    async handle(request, _context, deps) {
      if (formatOf(request.query) === 'csv') return csvResponse(imageFindingsCsv(await imageDetailView(request, deps, true)), 'image-findings');
      return jsonResponse(imageDetailJson(await imageDetailView(request, deps)));
    },
  },
  {
    path: '/clusters',
    kind: 'page',
    name: 'clusters',
    async handle(request, context, deps) {
      return htmlResponse(clustersPage(context, await clustersView(request, deps)));
    },
  },
  {
    path: '/api/v1/clusters',
    kind: 'api',
    name: 'api_clusters',
    async handle(request, _context, deps) {
      if (formatOf(request.query) === 'csv') return csvResponse(clustersCsv(await clustersView(request, deps, true)), 'clusters');
      return jsonResponse(clustersJson(await clustersView(request, deps)));
    },
  },
  {
    path: '/coverage',
    kind: 'page',
    name: 'coverage',
    async handle(request, context, deps) {
      return htmlResponse(coveragePage(context, await coverageView(request, deps)));
    },
  },
  {
    path: '/api/v1/coverage',
    kind: 'api',
    name: 'api_coverage',
    async handle(request, _context, deps) {
      if (formatOf(request.query) === 'csv') return csvResponse(coverageCsv(await coverageView(request, deps, true)), 'coverage');
      return jsonResponse(coverageJson(await coverageView(request, deps)));
    },
  },
  {
    path: '/api/v1/openapi.json',
    kind: 'api',
    name: 'api_openapi',
    async handle() {
      return jsonResponse(openApiDocument);
    },
  },
  {
    path: '/vulnerabilities/:vulnerabilityId',
    kind: 'page',
    name: 'exposure',
    async handle(request, context, deps) {
      return htmlResponse(exposurePage(context, await exposureView(request, deps, { defaultLimit: exposurePageSize })));
    },
  },
  {
    path: '/api/v1/vulnerabilities/:vulnerabilityId/exposure',
    kind: 'api',
    name: 'api_exposure',
    async handle(request, _context, deps) {
      // An export is the whole list (up to exportedImages), not a page.
      if (formatOf(request.query) === 'csv') {
        const view = await exposureView(request, deps, { limit: exportedImages });
        return csvResponse(exposureCsv(view), `${view.answer.vulnerabilityId}-exposure`);
      }
      return jsonResponse(exposureJson(await exposureView(request, deps, { defaultLimit: exposureApiPageSize })));
    },
  },
  {
    path: '/pipelines',
    kind: 'page',
    name: 'pipelines',
    async handle(request, context, deps) {
      return htmlResponse(pipelinesPage(context, await pipelinesView(request, deps)));
    },
  },
  {
    path: '/api/v1/pipelines',
    kind: 'api',
    name: 'api_pipelines',
    async handle(request, _context, deps) {
      const format = formatOf(request.query);
      if (format === 'csv') return csvResponse(pipelinesCsv(await pipelinesView(request, deps, true)), 'pipelines');
      return jsonResponse(pipelinesJson(await pipelinesView(request, deps)));
    },
  },
];

const failureHeadings: Record<number, string> = { 400: 'That request cannot be answered', 404: 'Not found', 500: 'Something went wrong', 503: 'Unavailable' };

/** What a route's failure becomes: 400 with the parameter, 401/403, 404, 503, else 500 (logged by the caller). */
export function consoleFailure(kind: 'page' | 'api', context: PageContext, error: unknown): ConsoleResponse {
  const [statusCode, code, message, parameter] =
    error instanceof ConsoleInputError ? [400, 'InvalidParameter', error.message, error.parameter]
    : error instanceof ConsoleAccessDenied ? [error.statusCode, error.errorType, error.message, undefined]
    : error instanceof ConsoleNotFound ? [404, 'NotFound', error.message, undefined]
    : isStoreUnavailable(error) ? [503, 'ServiceUnavailable', 'The database is unavailable; try again in a moment.', undefined]
    : [500, 'InternalFailure', 'Internal failure', undefined];
  const response = kind === 'api'
    ? jsonResponse({ error: code, message, ...(parameter && { parameter }) }, statusCode)
    : htmlResponse(layout(context, 'Error', html`<h1>${failureHeadings[statusCode] ?? 'Sign-in required'}</h1><p role="alert">${message}</p><p><a href="${consoleUrl(context, '/')}">Back to the overview</a></p>`), statusCode);
  if (statusCode === 503) response.headers['retry-after'] = '1';
  return response;
}
