// The exposure of one vulnerability: its totals, then each image that carries it (running first)
// with the packages at fault, what fixes them, and where the image runs: ECS cluster, service or
// family and task definition; EKS cluster, namespace and workloads; running and stopped counts and
// last use, the numbers GetClustersForImage gives.
import type { ClusterDetails } from '../../services/inspector2/get-clusters-for-image.ts';
import { html, type Html } from '../html.ts';
import { placeOf, type ExposureImage } from '../exposure.ts';
import type { ExposureView } from '../exposure-view.ts';
import { clusterName, imageLink, imageName, number, pager, time } from './format.ts';
import { consoleUrl, layout, vulnerabilitySearch, type PageContext } from './layout.ts';


export function exposurePage(context: PageContext, view: ExposureView): Html {
  const { answer } = view;
  const s = answer.summary;
  const id = answer.vulnerabilityId;
  const base = `/vulnerabilities/${encodeURIComponent(id)}`;
  const running = String(view.runningOnly);
  return layout(context, id, html`
${vulnerabilitySearch(context, id)}
<h1>${id}</h1>
${s.occurrences === 0 ? html`<p role="status">No image in account ${context.accountId} has an active finding of ${id}.</p>` : ''}
<dl class="summary" aria-label="Totals">
<div><dt>Severity</dt><dd class="severity-${s.severity ?? 'none'}">${s.severity ?? '—'}</dd></div>
<div><dt>Images carrying it</dt><dd>${number(s.images)}</dd></div>
<div><dt>Running images</dt><dd>${number(s.runningImages)}</dd></div>
<div><dt>Running units</dt><dd>${number(s.runningUnits)}</dd></div>
<div><dt>Occurrences</dt><dd>${number(s.occurrences)}</dd></div>
</dl>
<form method="get" action="${base}" class="filters">
${context.accountInUrl ? html`<input type="hidden" name="accountId" value="${context.accountId}">` : ''}
<fieldset>
<legend>Images</legend>
<label><input type="radio" name="running" value="true"${view.runningOnly ? html` checked` : ''}> Running now</label>
<label><input type="radio" name="running" value="false"${view.runningOnly ? '' : html` checked`}> All that carry it</label>
<button type="submit">Show</button>
</fieldset>
</form>
<p><a href="${consoleUrl(context, `/api/v1${base}/exposure`, { running, format: 'csv' })}" download>Download CSV</a> · <a href="${consoleUrl(context, `/api/v1${base}/exposure`, { running })}">JSON</a></p>
${answer.images.length === 0 && s.occurrences > 0 ? html`<p role="status">${view.runningOnly ? 'None of the images that carry it runs now.' : 'No image carries it.'}</p>` : ''}
${answer.images.map((image) => imageSection(context, image))}
${pager(context, base, { running, limit: String(view.limit) }, view.nextCursor, 'Next images')}
`);
}

function imageSection(context: PageContext, image: ExposureImage): Html {
  const name = imageName(image.repository, image.digest, image.tags);
  return html`<section class="image" aria-label="${name}">
<h2>${imageLink(context, image.resourceId, image.repository, image.digest, image.tags)}</h2>
<p><code>${image.resourceId}</code>${image.tags.length ? html` · tags ${image.tags.join(', ')}` : ''}</p>
<p>${number(image.runningUnits)} running now · ${number(image.stoppedUnits)} stopped in the last 24 hours · last in use ${time(image.lastInUse)}${image.imagePipelineArn ? html` · pipeline <code>${image.imagePipelineArn}</code>` : ''}${image.imageBuildVersionArn ? html` · build <code>${image.imageBuildVersionArn}</code>` : ''}</p>
<table>
<caption>Packages with ${'this vulnerability'}</caption>
<thead><tr><th scope="col">Package</th><th scope="col">Installed</th><th scope="col">Fixed in</th><th scope="col">Severity</th><th scope="col">Scanner</th></tr></thead>
<tbody>
${image.packages.map((p) => html`<tr><td>${p.packageName}</td><td><code>${p.installedVersion}</code></td><td>${p.fixedVersion ? html`<code>${p.fixedVersion}</code>` : html`<span class="muted">no fix known</span>`}</td><td class="severity-${p.severity}">${p.severity}</td><td>${p.source}</td></tr>`)}
</tbody>
</table>
${whereItRuns(image.clusters)}
${image.moreClusters ? html`<p>${imageLink(context, image.resourceId, image.repository, image.digest, image.tags)} runs in more clusters: its page lists them all.</p>` : ''}
</section>`;
}

/** GetClustersForImage's entries of an image as a table. */
export function whereItRuns(clusters: ExposureImage['clusters']): Html {
  if (clusters.length === 0) return html`<p class="muted">Not running, and not stopped within the retention window.</p>`;
  const rows = clusters.flatMap((c) => c.clusterDetails.map((d) => usageRow(c.clusterArn, d)));
  return html`<table>
<caption>Where it runs</caption>
<thead><tr><th scope="col">Cluster</th><th scope="col">Platform</th><th scope="col">Service, family or namespace</th><th scope="col">Task definition or workloads</th><th scope="col" class="number">Running</th><th scope="col" class="number">Stopped (24 h)</th><th scope="col">Last in use</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function usageRow(clusterArn: string, d: ClusterDetails): Html {
  const place = placeOf(d);
  const workloads = place.workloads.map((w) => `${w.type} ${w.name}`).join(', ');
  return html`<tr><td title="${clusterArn}">${clusterName(clusterArn)}</td><td>${place.platform}</td><td>${place.group}</td><td>${place.platform === 'ECS' ? html`<code>${place.taskDefinitionArn}</code>` : workloads}</td><td class="number">${number(d.runningUnitCount)}</td><td class="number">${number(d.stoppedUnitCount)}</td><td>${time(d.lastInUse)}</td></tr>`;
}
