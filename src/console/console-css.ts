// The console's one stylesheet, served at /console.css (a module, so the bundle carries it). No inline
// style anywhere: the Content-Security-Policy allows styles from this file only.
export const consoleCss = `:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #fff; --accent: #0b57d0; --critical: #8b0000; --high: #c4421a; --medium: #9a6700; --low: #57606a; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --bg: #0d1117; --accent: #6cb6ff; --critical: #ff7b72; --high: #ffa657; --medium: #e3b341; --low: #9da7b3; } }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; }
header { display: flex; gap: 2rem; align-items: center; padding: .5rem 1.5rem; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; margin: 0; }
header nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
header .account { margin: 0 0 0 auto; color: var(--muted); }
main { padding: 1rem 1.5rem 3rem; max-width: 90rem; }
.search { display: flex; gap: .5rem; align-items: center; margin: 1rem 0; }
.search input { min-width: 18rem; padding: .35rem .5rem; font: inherit; }
button { font: inherit; padding: .35rem .8rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
th, td { text-align: left; padding: .3rem .7rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th[scope=col] { color: var(--muted); font-weight: 600; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
.severity-CRITICAL { color: var(--critical); font-weight: 700; }
.severity-HIGH { color: var(--high); font-weight: 600; }
.severity-MEDIUM { color: var(--medium); }
.severity-LOW, .severity-INFORMATIONAL, .severity-UNTRIAGED { color: var(--low); }
dl.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .5rem 1.5rem; }
dl.summary div { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
dl.summary dt { color: var(--muted); font-size: .85rem; }
dl.summary dd { margin: 0; font-size: 1.4rem; font-variant-numeric: tabular-nums; }
section.image { border-top: 2px solid var(--line); margin-top: 1.5rem; }
code { font-size: .9em; word-break: break-all; }
fieldset { border: 1px solid var(--line); display: inline-flex; gap: 1rem; align-items: center; }
.chart rect.CRITICAL { fill: var(--critical); } .chart rect.HIGH { fill: var(--high); } .chart rect.MEDIUM { fill: var(--medium); } .chart rect.OTHER { fill: var(--low); }
.chart text { fill: var(--fg); font-size: 12px; }
.trend polyline { fill: none; stroke-width: 2; } .trend polyline.CRITICAL { stroke: var(--critical); } .trend polyline.HIGH { stroke: var(--high); } .trend polyline.MEDIUM { stroke: var(--medium); }
.muted { color: var(--muted); }
.pager { display: flex; gap: 1rem; }
`;
