// The images running now without a current scan, the widest exposure first: what to scan next.
import { html, type Html } from '../html.ts';
import { coverageStates, type CoverageView } from '../coverage-view.ts';
import { clusterName, imageLink, number, pager, time } from './format.ts';
import { consoleUrl, layout, type PageContext } from './layout.ts';

const stateLabels = { PENDING_INITIAL_SCAN: 'never scanned', STALE_INVENTORY: 'scan out of date', SCAN_FAILED: 'scan failed' } as const;

export function coveragePage(context: PageContext, view: CoverageView): Html {
  const query = { state: view.state, clusterArn: view.clusterArn };
  return layout(context, 'Coverage', html`
<h1>Coverage</h1>
<p>Images running now without a current scan, the most running units first. Scan them with the reference shown (for example <code>trivy image -f json -o report.json &lt;reference&gt;</code>, then <code>imagescope ingest report.json</code>).</p>
<form method="get" action="/coverage" class="filters">
${context.accountInUrl ? html`<input type="hidden" name="accountId" value="${context.accountId}">` : ''}
<fieldset>
<legend>Filter</legend>
<label for="cs">State</label> <select id="cs" name="state">
<option value=""${view.state === undefined ? html` selected` : ''}>never scanned, out of date or failed</option>
${coverageStates.map((s) => html`<option value="${s}"${view.state === s ? html` selected` : ''}>${stateLabels[s]}</option>`)}
</select>
<label for="cc">Cluster ARN</label> <input id="cc" name="clusterArn" type="text" maxlength="300" value="${view.clusterArn ?? ''}">
<button type="submit">Show</button>
</fieldset>
</form>
<p>${number(view.total)} running ${view.total === 1 ? 'image' : 'images'} without a current scan · <a href="${consoleUrl(context, '/api/v1/coverage', { ...query, format: 'csv' })}" download>Download CSV</a> · <a href="${consoleUrl(context, '/api/v1/coverage', query)}">JSON</a></p>
${view.rows.length === 0 ? html`<p role="status">Every running image has a current scan.</p>` : html`<table>
<caption>Running images without a current scan, most running units first</caption>
<thead><tr><th scope="col">Image</th><th scope="col">State</th><th scope="col">Last scanned</th><th scope="col" class="number">Running units</th><th scope="col">Where it runs</th><th scope="col">Reference to scan</th></tr></thead>
<tbody>
${view.rows.map((r) => html`<tr><th scope="row">${imageLink(context, r.resourceId, r.repository, r.digest, r.tags)}</th><td>${stateLabels[r.state]}${r.scanFailure ? html`<br><span class="muted" title="${r.scanFailure.detail}">${r.scanFailure.source}: ${r.scanFailure.reason}</span>` : ''}</td><td>${time(r.lastScannedAt)}</td><td class="number">${number(r.runningUnits)}</td><td><ul class="places">${(view.places.get(r.resourceId) ?? []).map((p) => html`<li><a href="${consoleUrl(context, '/clusters', { clusterArn: p.clusterArn })}">${clusterName(p.clusterArn)}</a> <span class="muted">${p.platform}</span> ${p.group}${p.workloads.length ? html` · ${p.workloads.join(', ')}` : ''}</li>`)}${view.morePlaces.has(r.resourceId) ? html`<li><a href="${consoleUrl(context, `/images/${encodeURIComponent(r.resourceId)}`)}">more clusters</a></li>` : ''}</ul></td><td><code>${r.reference}</code></td></tr>`)}
</tbody>
</table>`}
${pager(context, '/coverage', { ...query, limit: String(view.limit) }, view.nextCursor, 'Next images')}
`);
}
