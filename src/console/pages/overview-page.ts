// The overview: find a vulnerability; what runs now and how bad it is (running images, those with
// critical findings, unique vulnerabilities on them, fixable criticals); occurrences by severity for
// running images and all images, drawn and tabled; the five vulnerabilities with the most running
// units and the five worst running images; the 90-day trend; and when each source last fed data.
import { html, type Html } from '../html.ts';
import { severityChart } from '../severity-chart.ts';
import type { SummaryView } from '../summary-view.ts';
import { trendChart } from '../trend-chart.ts';
import { imageIdLink, number, severityCell, time, vulnerabilityLink } from './format.ts';
import { consoleUrl, layout, vulnerabilitySearch, type PageContext } from './layout.ts';

/** `80 % (8 of 10)`, or `none running`. */
function coverageShare({ current, stale, neverScanned }: SummaryView['coverage']): string {
  const running = current + stale + neverScanned;
  return running === 0 ? 'none running' : `${Math.floor((current / running) * 100)} % (${number(current)} of ${number(running)})`;
}

export function overviewPage(context: PageContext, summary: SummaryView): Html {
  const running = summary.severityCounts.running;
  return layout(context, 'Overview', html`
<h1>Overview</h1>
${vulnerabilitySearch(context)}
<dl class="summary" aria-label="Account">
<div><dt>Images running now</dt><dd>${number(summary.runningImages)}</dd></div>
<div><dt>Running units</dt><dd>${number(summary.runningUnits)}</dd></div>
<div><dt>Running images with a current scan</dt><dd><a href="${consoleUrl(context, '/coverage')}">${coverageShare(summary.coverage)}</a></dd></div>
<div><dt>Running images with critical findings</dt><dd>${number(summary.runningImagesWithCritical)}</dd></div>
<div><dt>Unique vulnerabilities on running images</dt><dd>${number(summary.uniqueVulnerabilitiesRunning)}</dd></div>
<div><dt>Fixable criticals on running images</dt><dd>${number(summary.fixableCritical.running)}</dd></div>
<div><dt>Images scanned</dt><dd>${number(summary.images)}</dd></div>
<div><dt>Unique vulnerabilities</dt><dd>${number(summary.uniqueVulnerabilities)}</dd></div>
</dl>
<h2 id="running-by-severity">Findings by severity, running images</h2>
${severityChart({ all: running.all, critical: running.critical, high: running.high, medium: running.medium }, 'running-by-severity', 'Findings by severity, running images')}
<h2 id="findings-by-severity">Findings by severity, all images</h2>
${severityChart(summary.findings, 'findings-by-severity', 'Findings by severity, all images')}
<h2>Most running units</h2>
${summary.topVulnerabilities.length === 0 ? html`<p role="status">No running image has a finding.</p>` : html`<table>
<caption>The five vulnerabilities with the most running units</caption>
<thead><tr><th scope="col">Vulnerability</th><th scope="col">Severity</th><th scope="col" class="number">Running images</th><th scope="col" class="number">Running units</th><th scope="col" class="number">Clusters</th></tr></thead>
<tbody>
${summary.topVulnerabilities.map((v) => html`<tr><th scope="row">${vulnerabilityLink(context, v.vulnerabilityId)}</th>${severityCell(v.severity)}<td class="number">${number(v.runningImages)}</td><td class="number">${number(v.runningUnits)}</td><td class="number">${number(v.clusters)}</td></tr>`)}
</tbody>
</table>
<p><a href="${consoleUrl(context, '/vulnerabilities')}">Every vulnerability on running images</a></p>`}
<h2>Worst running images</h2>
${summary.topImages.length === 0 ? html`<p role="status">No scanned image runs now.</p>` : html`<table>
<caption>The five worst running images</caption>
<thead><tr><th scope="col">Image</th><th scope="col" class="number">Critical</th><th scope="col" class="number">High</th><th scope="col" class="number">Running units</th></tr></thead>
<tbody>
${summary.topImages.map((i) => html`<tr><th scope="row">${imageIdLink(context, i.resourceId, i.tags)}</th><td class="number severity-CRITICAL">${number(i.severityCounts.critical)}</td><td class="number severity-HIGH">${number(i.severityCounts.high)}</td><td class="number">${number(i.runningUnits)}</td></tr>`)}
</tbody>
</table>`}
<h2 id="trend">Trend on running images, last 90 days</h2>
${trendChart(summary.trend, 'trend')}
<h2>Sources</h2>
${summary.sources.length === 0 ? html`<p role="status">Nothing ingested yet.</p>` : html`<table>
<caption>When each source last fed data</caption>
<thead><tr><th scope="col">Source</th><th scope="col">Last ingest</th><th scope="col">Newest scan stored</th></tr></thead>
<tbody>
${summary.sources.map((s) => html`<tr><th scope="row">${s.source}</th><td>${time(s.lastIngestAt)}</td><td>${scannedAt(summary, s.source)}</td></tr>`)}
</tbody>
</table>`}
`);
}

function scannedAt(summary: SummaryView, source: string): string {
  const scan = summary.latestScans.find((l) => l.source === source);
  return scan ? time(scan.reportTime) : '—';
}
