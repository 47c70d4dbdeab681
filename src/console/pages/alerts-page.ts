// /alerts: where alerts go (each destination's filters and timings) and what was sent, newest first,
// with a "Deliver again" button for a dead delivery (a form POST carrying the CSRF token).
import { html, type Html } from '../html.ts';
import type { AlertsView, DeliveryView } from '../alerts-view.ts';
import { clusterName, time, vulnerabilityLink } from './format.ts';
import { consoleUrl, layout, type PageContext } from './layout.ts';

const seconds = (s: number) => (s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`);
const list = (values: string[]) => (values.length ? values.join(', ') : 'all');

export function alertsPage(context: PageContext, view: AlertsView, csrf: string | undefined): Html {
  const query = { destination: view.destination, state: view.state };
  return layout(context, 'Alerts', html`
<h1>Alerts</h1>
${view.enabled ? '' : html`<p role="status">Alerts are off: start the server with <code>--alerts FILE</code> to send them.</p>`}
${view.destinations.length ? html`<table>
<caption>Destinations (secrets and URL paths are not shown)</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Host</th><th scope="col">Events</th><th scope="col">Filters</th><th scope="col">Resolve after · cooldown · batch</th></tr></thead>
<tbody>
${view.destinations.map((d) => html`<tr><th scope="row">${d.name}</th><td>${d.type}</td><td>${d.host}</td><td>${d.events.map((e) => e.replace('io.imagescope.', '')).join(', ')}</td>
<td>severity ${d.minSeverity} or worse; accounts ${list(d.accounts)}; clusters ${list(d.clusters)}; namespaces ${list(d.namespaces)}; repositories ${list(d.repositories)}${d.fixAvailableOnly ? '; with a fix only' : ''}</td>
<td>${seconds(d.resolveAfterSeconds)} · ${seconds(d.cooldownSeconds)} · ${seconds(d.batchWindowSeconds)}</td></tr>`)}
</tbody>
</table>` : ''}
<h2>Deliveries</h2>
<p><a href="${consoleUrl(context, '/api/v1/alerts/deliveries', query)}">JSON</a></p>
${view.deliveries.length === 0 ? html`<p role="status">Nothing has been sent.</p>` : html`<table>
<caption>Deliveries of this account, newest first</caption>
<thead><tr><th scope="col">Created</th><th scope="col">Destination</th><th scope="col">Event</th><th scope="col">About</th><th scope="col">State</th><th scope="col" class="number">Attempts</th><th scope="col">Last answer</th><th scope="col"></th></tr></thead>
<tbody>
${view.deliveries.map((d) => row(context, d, csrf))}
</tbody>
</table>`}
${view.next ? html`<nav class="pager" aria-label="Pages"><a rel="next" href="${consoleUrl(context, '/alerts', { ...query, after: view.next })}">Older deliveries</a></nav>` : ''}
`);
}

function row(context: PageContext, d: DeliveryView, csrf: string | undefined): Html {
  const about = d.vulnerabilityId ? html`${vulnerabilityLink(context, d.vulnerabilityId)} in <span title="${d.clusterArn ?? ''}">${clusterName(d.clusterArn ?? '')}</span>` : html``;
  const again = d.state === 'dead' && d.messageId
    ? html`<form method="post" action="${consoleUrl(context, '/alerts/deliver-again')}"><input type="hidden" name="csrf" value="${csrf ?? ''}"><input type="hidden" name="destination" value="${d.destination}"><input type="hidden" name="messageId" value="${d.messageId}"><button type="submit">Deliver again</button></form>`
    : html``;
  return html`<tr><td>${time(d.createdAt)}</td><td>${d.destination}</td><td title="${d.eventId}">${d.eventType.replace('io.imagescope.', '')}</td><td>${about}</td><td>${d.state}${d.state === 'pending' && d.nextAttemptAt ? html` (next ${time(d.nextAttemptAt)})` : ''}</td><td class="number">${d.attempts}</td><td>${d.lastAnswer ?? ''}</td><td>${again}</td></tr>`;
}
