// Pipelines (or build versions) worst first, with their severity counts: the numbers
// ListImageScanFindingAggregations gives for the same filter.
import { html, type Html } from '../html.ts';
import type { PipelinesView } from '../pipelines-view.ts';
import { consoleUrl, layout, type PageContext } from './layout.ts';
import { imageBuilderCell, number } from './format.ts';

export function pipelinesPage(context: PageContext, view: PipelinesView): Html {
  const title = view.by === 'pipeline' ? 'Image pipelines' : 'Image build versions';
  const other = view.by === 'pipeline' ? { by: 'build', label: 'By build version' } : { by: 'pipeline', label: 'By pipeline' };
  return layout(context, title, html`
<h1>${title}</h1>
<p><a href="${consoleUrl(context, '/pipelines', { by: other.by })}">${other.label}</a> · <a href="${consoleUrl(context, '/api/v1/pipelines', { by: view.by, format: 'csv' })}" download>Download CSV</a></p>
${view.rows.length === 0 ? html`<p role="status">No findings are tagged with ${view.by === 'pipeline' ? 'an image pipeline' : 'an image build version'} in this account.</p>` : html`<table>
<caption>${title}, worst first</caption>
<thead><tr><th scope="col">${view.by === 'pipeline' ? 'Pipeline' : 'Build version'}</th><th scope="col" class="number">Critical</th><th scope="col" class="number">High</th><th scope="col" class="number">Medium</th><th scope="col" class="number">All</th></tr></thead>
<tbody>
${view.rows.map((r) => html`<tr><th scope="row">${imageBuilderCell(r.key)}</th><td class="number severity-CRITICAL">${number(r.critical)}</td><td class="number severity-HIGH">${number(r.high)}</td><td class="number severity-MEDIUM">${number(r.medium)}</td><td class="number">${number(r.all)}</td></tr>`)}
</tbody>
</table>`}
<nav class="pager" aria-label="Pages">
${view.nextCursor ? html`<a rel="next" href="${consoleUrl(context, '/pipelines', { by: view.by, limit: String(view.limit), cursor: view.nextCursor })}">Next ${view.by === 'pipeline' ? 'pipelines' : 'build versions'}</a>` : ''}
</nav>
`);
}
