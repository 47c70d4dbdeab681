// The 90-day severity trend as an inline SVG line chart drawn on the server (critical, high and
// medium occurrences on running images and on all images), with a text alternative and every day's
// numbers in a table the chart summarises.
import { html, type Html } from './html.ts';
import type { TrendDay } from './summary-view.ts';

const width = 560;
const height = 160;
const left = 48;

const series = [
  { name: 'Critical', className: 'CRITICAL', key: 'critical' },
  { name: 'High', className: 'HIGH', key: 'high' },
  { name: 'Medium', className: 'MEDIUM', key: 'medium' },
] as const;

export function trendChart(trend: TrendDay[], labelledBy: string): Html {
  if (trend.length === 0) return html`<p role="status">No snapshot yet: the trend starts with the first ingest.</p>`;
  const max = Math.max(1, ...trend.flatMap((d) => series.map((s) => d.running[s.key])));
  const x = (i: number) => left + (trend.length === 1 ? 0 : Math.round((i / (trend.length - 1)) * (width - left - 8)));
  const y = (v: number) => Math.round(height - 20 - (v / max) * (height - 30));
  const first = trend[0]!;
  const last = trend.at(-1)!;
  const alt = `Occurrences on running images from ${first.day} to ${last.day}: ${series.map((s) => `${s.name} ${first.running[s.key]} to ${last.running[s.key]}`).join(', ')}`;
  return html`<svg class="chart trend" role="img" aria-labelledby="${labelledBy} ${labelledBy}-alt" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<title id="${labelledBy}-alt">${alt}</title>
<text x="0" y="14">${max.toLocaleString('en-US')}</text><text x="0" y="${height - 20}">0</text>
<text x="${left}" y="${height - 4}">${first.day}</text><text x="${width - 80}" y="${height - 4}">${last.day}</text>
${series.map((s) => html`<polyline class="${s.className}" points="${trend.map((d, i) => `${x(i)},${y(d.running[s.key])}`).join(' ')}"></polyline>`)}
</svg>
<details>
<summary>The trend's numbers, day by day</summary>
<table>
<caption>Occurrences by severity per day (UTC)</caption>
<thead><tr><th scope="col">Day</th>${series.map((s) => html`<th scope="col" class="number">${s.name}, running</th>`)}${series.map((s) => html`<th scope="col" class="number">${s.name}, all images</th>`)}</tr></thead>
<tbody>
${trend.map((d) => html`<tr><th scope="row">${d.day}</th>${series.map((s) => html`<td class="number">${d.running[s.key].toLocaleString('en-US')}</td>`)}${series.map((s) => html`<td class="number">${d.all[s.key].toLocaleString('en-US')}</td>`)}</tr>`)}
</tbody>
</table>
</details>`;
}
