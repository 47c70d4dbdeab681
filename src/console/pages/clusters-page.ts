// Clusters running images now, worst first, each with the images it runs and their worst severity.
import { html, type Html } from '../html.ts';
import type { ClustersView } from '../clusters-view.ts';
import { clusterName, imageIdLink, number, pager, severityCell } from './format.ts';
import { consoleUrl, layout, type PageContext } from './layout.ts';
import { severities } from '../../domain/severity.ts';

export function clustersPage(context: PageContext, view: ClustersView): Html {
  const query = { clusterArn: view.clusterArn };
  return layout(context, 'Clusters', html`
<h1>Clusters</h1>
<p>${number(view.total)} ${view.total === 1 ? 'cluster runs' : 'clusters run'} images now · <a href="${consoleUrl(context, '/api/v1/clusters', { ...query, format: 'csv' })}" download>Download CSV</a> · <a href="${consoleUrl(context, '/api/v1/clusters', query)}">JSON</a>${view.clusterArn ? html` · <a href="${consoleUrl(context, '/clusters')}">Every cluster</a>` : ''}</p>
${view.rows.length === 0 ? html`<p role="status">No cluster runs an image now.</p>` : ''}
${view.rows.map((c) => html`<section class="cluster" aria-label="${clusterName(c.clusterArn)}">
<h2><a href="${consoleUrl(context, '/clusters', { clusterArn: c.clusterArn })}">${clusterName(c.clusterArn)}</a> <span class="muted">${c.platform}</span></h2>
<p><code>${c.clusterArn}</code></p>
<p>Worst severity <span class="severity-${severities[c.worstRank] ?? 'none'}">${severities[c.worstRank] ?? 'none'}</span> · ${number(c.images.length)} images · ${number(c.imagesWithCritical)} with critical findings · ${number(c.unscannedImages)} not scanned · ${number(c.runningUnits)} running units</p>
<table>
<caption>Images running in ${clusterName(c.clusterArn)}, worst first</caption>
<thead><tr><th scope="col">Image</th><th scope="col">Worst severity</th><th scope="col" class="number">Critical</th><th scope="col" class="number">Running units</th></tr></thead>
<tbody>
${c.images.slice(0, view.imagesShown).map((i) => html`<tr><th scope="row">${imageIdLink(context, i.resourceId, i.tags)}</th>${severityCell(i.worstSeverity)}<td class="number">${number(i.critical)}</td><td class="number">${number(i.runningUnits)}</td></tr>`)}
</tbody>
</table>
${c.images.length > view.imagesShown ? html`<p><a href="${consoleUrl(context, '/clusters', { clusterArn: c.clusterArn })}">All ${number(c.images.length)} images in ${clusterName(c.clusterArn)}</a></p>` : ''}
</section>`)}
${pager(context, '/clusters', { ...query, limit: String(view.limit) }, view.nextCursor, 'Next clusters')}
`);
}
