// The overview: find a vulnerability; the account's images, what runs now and unique vulnerabilities;
// findings by severity (from the account's rollup, the counts ListImageScanFindingAggregations gives),
// drawn and tabled; and the newest scan stored from each scanner.
import { html, type Html } from '../html.ts';
import { severityChart } from '../severity-chart.ts';
import type { SummaryView } from '../summary-view.ts';
import { layout, vulnerabilitySearch, type PageContext } from './layout.ts';

const number = (n: number) => n.toLocaleString('en-US');

export function overviewPage(context: PageContext, summary: SummaryView): Html {
  return layout(context, 'Overview', html`
<h1>Overview</h1>
${vulnerabilitySearch(context)}
<dl class="summary" aria-label="Account">
<div><dt>Images scanned</dt><dd>${number(summary.images)}</dd></div>
<div><dt>Images running now</dt><dd>${number(summary.runningImages)}</dd></div>
<div><dt>Running units</dt><dd>${number(summary.runningUnits)}</dd></div>
<div><dt>Unique vulnerabilities</dt><dd>${number(summary.uniqueVulnerabilities)}</dd></div>
</dl>
<h2 id="findings-by-severity">Findings by severity, all images</h2>
${severityChart(summary.findings, 'findings-by-severity')}
<h2>Newest scans</h2>
${summary.latestScans.length === 0 ? html`<p role="status">No scan results stored yet.</p>` : html`<table>
<caption>Newest scan stored per scanner</caption>
<thead><tr><th scope="col">Scanner</th><th scope="col">Scanned at</th></tr></thead>
<tbody>
${summary.latestScans.map((s) => html`<tr><th scope="row">${s.source}</th><td>${new Date(s.reportTime * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}</td></tr>`)}
</tbody>
</table>`}
`);
}
