// Images worst first with their counts, fixes, use, pipeline and build; and one image's page: its
// counts, where it runs (GetClustersForImage's entries) and its findings, worst first.
import { severities } from '../../domain/severity.ts';
import { html, type Html } from '../html.ts';
import type { ImageDetailView, ImagesView } from '../images-view.ts';
import type { FleetImage } from '../../read-models/fleet.ts';
import { whereItRuns } from './exposure-page.ts';
import { imageBuilderCell, imageLink, imageName, number, pager, severityCell, time, vulnerabilityLink } from './format.ts';
import { consoleUrl, layout, type PageContext } from './layout.ts';

export function imagesPage(context: PageContext, view: ImagesView): Html {
  const query = { running: view.filter.runningOnly ? 'true' : undefined, q: view.filter.text || undefined };
  return layout(context, 'Images', html`
<h1>Images</h1>
<form method="get" action="/images" class="filters">
${context.accountInUrl ? html`<input type="hidden" name="accountId" value="${context.accountId}">` : ''}
<fieldset>
<legend>Filter</legend>
<label for="iq">Repository or digest contains</label> <input id="iq" name="q" type="search" maxlength="256" value="${view.filter.text}">
<label><input type="checkbox" name="running" value="true"${view.filter.runningOnly ? html` checked` : ''}> Running now only</label>
<button type="submit">Show</button>
</fieldset>
</form>
<p>${number(view.total)} ${view.total === 1 ? 'image' : 'images'} · <a href="${consoleUrl(context, '/api/v1/images', { ...query, format: 'csv' })}" download>Download CSV</a> · <a href="${consoleUrl(context, '/api/v1/images', query)}">JSON</a></p>
${view.rows.length === 0 ? html`<p role="status">No image matches.</p>` : imagesTable(context, view.rows, 'Images, worst first')}
${pager(context, '/images', { ...query, limit: String(view.limit) }, view.nextCursor, 'Next images')}
`);
}

export function imagesTable(context: PageContext, images: FleetImage[], caption: string): Html {
  return html`<table>
<caption>${caption}</caption>
<thead><tr><th scope="col">Image</th><th scope="col" class="number">Critical</th><th scope="col" class="number">High</th><th scope="col" class="number">Medium</th><th scope="col" class="number">All</th><th scope="col" class="number">Fixable</th><th scope="col" class="number">Running units</th><th scope="col">Last in use</th><th scope="col">Pipeline, build</th></tr></thead>
<tbody>
${images.map((i) => html`<tr><th scope="row">${imageLink(context, i.resourceId, i.repository, i.digest, i.tags)}${i.tags.length > 1 ? html` <span class="muted">${i.tags.join(', ')}</span>` : ''}</th><td class="number severity-CRITICAL">${number(i.counts.CRITICAL)}</td><td class="number severity-HIGH">${number(i.counts.HIGH)}</td><td class="number severity-MEDIUM">${number(i.counts.MEDIUM)}</td><td class="number">${number(i.all)}</td><td class="number">${number(i.fixable.all)}</td><td class="number">${number(i.runningUnits)}</td><td>${time(i.lastInUse / 1000)}</td><td>${i.imagePipelineArn ? imageBuilderCell(i.imagePipelineArn) : ''}${i.imageBuildVersionArn ? html` ${imageBuilderCell(i.imageBuildVersionArn)}` : ''}</td></tr>`)}
</tbody>
</table>`;
}

export function imagePage(context: PageContext, view: ImageDetailView): Html {
  const i = view.image;
  const name = imageName(i.repository, i.digest, i.tags);
  const path = `/images/${encodeURIComponent(i.resourceId)}`;
  return layout(context, name, html`
<h1>${name}</h1>
<p><code>${i.resourceId}</code>${i.tags.length ? html` · tags ${i.tags.join(', ')}` : ''}</p>
<dl class="summary" aria-label="Image">
${severities.map((s) => html`<div><dt>${s[0] + s.slice(1).toLowerCase()}</dt><dd class="severity-${s}">${number(i.counts[s])}</dd></div>`)}
<div><dt>Fixable</dt><dd>${number(i.fixable.all)}</dd></div>
<div><dt>Unique vulnerabilities</dt><dd>${number(i.uniqueVulnerabilities)}</dd></div>
<div><dt>Running units</dt><dd>${number(i.runningUnits)}</dd></div>
<div><dt>Last in use</dt><dd>${time(i.lastInUse / 1000)}</dd></div>
</dl>
${i.imagePipelineArn || i.imageBuildVersionArn ? html`<p>${i.imagePipelineArn ? html`Pipeline <code>${i.imagePipelineArn}</code> ` : ''}${i.imageBuildVersionArn ? html`Build <code>${i.imageBuildVersionArn}</code>` : ''}</p>` : ''}
<h2>Where it runs</h2>
${whereItRuns(view.clusters)}
${view.moreClusters ? html`<p>It runs in more clusters than these ${view.clusters.length}: GetClustersForImage pages through them all.</p>` : ''}
<h2>Findings</h2>
<p><a href="${consoleUrl(context, `/api/v1${path}`, { format: 'csv' })}" download>Download CSV</a> · <a href="${consoleUrl(context, `/api/v1${path}`)}">JSON</a></p>
${view.findings.rows.length === 0 ? html`<p role="status">No active findings.</p>` : html`<table>
<caption>Findings, worst first (${number(view.findings.total)})</caption>
<thead><tr><th scope="col">Vulnerability</th><th scope="col">Severity</th><th scope="col">Package</th><th scope="col">Installed</th><th scope="col">Fixed in</th><th scope="col">Scanners</th></tr></thead>
<tbody>
${view.findings.rows.map((f) => html`<tr><th scope="row">${vulnerabilityLink(context, f.vulnerabilityId)}</th>${severityCell(f.severity)}<td>${f.packageName}</td><td><code>${f.installedVersion}</code></td><td>${f.fixedVersion ? html`<code>${f.fixedVersion}</code>` : html`<span class="muted">no fix known</span>`}</td><td>${f.sources.join(', ')}</td></tr>`)}
</tbody>
</table>`}
${pager(context, path, { limit: String(view.findings.limit) }, view.findings.nextCursor, 'Next findings')}
`);
}
