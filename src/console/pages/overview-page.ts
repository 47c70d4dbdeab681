// The overview: find a vulnerability, and the account's findings by severity (from the account's
// rollup, the same counts ListImageScanFindingAggregations gives), drawn and tabled.
import { html, type Html } from '../html.ts';
import { severityChart, type SeverityCounts } from '../severity-chart.ts';
import { layout, vulnerabilitySearch, type PageContext } from './layout.ts';

export function overviewPage(context: PageContext, counts: SeverityCounts): Html {
  return layout(context, 'Overview', html`
<h1>Overview</h1>
${vulnerabilitySearch(context)}
<h2 id="findings-by-severity">Findings by severity, all images</h2>
${severityChart(counts, 'findings-by-severity')}
`);
}
