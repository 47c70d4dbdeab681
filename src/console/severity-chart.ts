// Severity counts as an inline SVG bar chart drawn on the server, with its text alternative and the
// same numbers in a table (a chart alone is not accessible; the table is the source of truth).
import { html, type Html } from './html.ts';

export interface SeverityCounts {
  all: number;
  critical: number;
  high: number;
  medium: number;
}

const barWidth = 360;

/** `labelledBy`: the id of the heading that names the chart, whose text also captions its table. */
export function severityChart(counts: SeverityCounts, labelledBy: string, caption: string): Html {
  const bars = [
    { name: 'Critical', className: 'CRITICAL', value: counts.critical },
    { name: 'High', className: 'HIGH', value: counts.high },
    { name: 'Medium', className: 'MEDIUM', value: counts.medium },
    { name: 'Low and other', className: 'OTHER', value: Math.max(0, counts.all - counts.critical - counts.high - counts.medium) },
  ];
  const max = Math.max(1, ...bars.map((b) => b.value));
  const summary = bars.map((b) => `${b.name} ${b.value}`).join(', ');
  return html`<svg class="chart" role="img" aria-labelledby="${labelledBy} ${labelledBy}-alt" width="${barWidth + 200}" height="${bars.length * 26 + 4}" viewBox="0 0 ${barWidth + 200} ${bars.length * 26 + 4}">
<title id="${labelledBy}-alt">${summary}</title>
${bars.map((b, i) => html`<text x="0" y="${i * 26 + 17}">${b.name}</text><rect class="${b.className}" x="110" y="${i * 26 + 4}" width="${Math.round((b.value / max) * barWidth)}" height="18"></rect><text x="${118 + Math.round((b.value / max) * barWidth)}" y="${i * 26 + 17}">${b.value.toLocaleString('en-US')}</text>`)}
</svg>
<table>
<caption>${caption}</caption>
<thead><tr><th scope="col">Severity</th><th scope="col" class="number">Findings</th></tr></thead>
<tbody>
${bars.map((b) => html`<tr><th scope="row">${b.name}</th><td class="number">${b.value.toLocaleString('en-US')}</td></tr>`)}
<tr><th scope="row">All</th><td class="number">${counts.all.toLocaleString('en-US')}</td></tr>
</tbody>
</table>`;
}
