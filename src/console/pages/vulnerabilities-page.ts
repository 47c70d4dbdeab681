// Vulnerabilities, one row per id, most running units first, with filters as GET parameters (running
// only by default, severity, fixable only, text) so every view is a URL to share.
import { severities } from '../../domain/severity.ts';
import { html, type Html } from '../html.ts';
import type { VulnerabilitiesView } from '../vulnerabilities-view.ts';
import { number, pager, severityCell, vulnerabilityLink } from './format.ts';
import { consoleUrl, layout, type PageContext } from './layout.ts';

export function vulnerabilitiesPage(context: PageContext, view: VulnerabilitiesView): Html {
  const f = view.filter;
  const query = { running: String(f.runningOnly), severity: f.severities.join(',') || undefined, fixable: f.fixableOnly ? 'true' : undefined, q: f.text || undefined };
  return layout(context, 'Vulnerabilities', html`
<h1>Vulnerabilities</h1>
<form method="get" action="/vulnerabilities" class="filters">
${context.accountInUrl ? html`<input type="hidden" name="accountId" value="${context.accountId}">` : ''}
<fieldset>
<legend>Filter</legend>
<label for="vq">Id contains</label> <input id="vq" name="q" type="search" maxlength="128" value="${f.text}">
<label for="severity">Severity</label>
<select id="severity" name="severity">
<option value="">Any</option>
${severities.map((s) => html`<option value="${s}"${f.severities.length === 1 && f.severities[0] === s ? html` selected` : ''}>${s}</option>`)}
</select>
<input type="hidden" name="running" value="false">
<label><input type="checkbox" name="running" value="true"${f.runningOnly ? html` checked` : ''}> Running now only</label>
<label><input type="checkbox" name="fixable" value="true"${f.fixableOnly ? html` checked` : ''}> Fixable only</label>
<button type="submit">Show</button>
</fieldset>
</form>
<p>${number(view.total)} ${view.total === 1 ? 'vulnerability' : 'vulnerabilities'} · <a href="${consoleUrl(context, '/api/v1/vulnerabilities', { ...query, format: 'csv' })}" download>Download CSV</a> · <a href="${consoleUrl(context, '/api/v1/vulnerabilities', query)}">JSON</a></p>
${view.rows.length === 0 ? html`<p role="status">No vulnerability matches.</p>` : html`<table>
<caption>Vulnerabilities, most running units first</caption>
<thead><tr><th scope="col">Vulnerability</th><th scope="col">Severity</th><th scope="col">Fix</th><th scope="col" class="number">Images</th><th scope="col" class="number">Running images</th><th scope="col" class="number">Running units</th><th scope="col" class="number">Clusters</th></tr></thead>
<tbody>
${view.rows.map((r) => html`<tr><th scope="row">${vulnerabilityLink(context, r.vulnerabilityId)}</th>${severityCell(r.severity)}<td>${r.fixable ? 'fixable' : html`<span class="muted">no fix known</span>`}</td><td class="number">${number(r.images)}</td><td class="number">${number(r.runningImages)}</td><td class="number">${number(r.runningUnits)}</td><td class="number">${number(r.clusters)}</td></tr>`)}
</tbody>
</table>`}
${pager(context, '/vulnerabilities', { ...query, limit: String(view.limit) }, view.nextCursor, 'Next vulnerabilities')}
`);
}
