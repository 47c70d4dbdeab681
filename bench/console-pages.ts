// The console's cost (issue 12): every page and API answer over the loaded dataset, through a real
// server on loopback, timed one request at a time (the server's time plus a loopback round trip).
// The widest exposure is the CVE the dataset puts in nearly every image.
import { benchAccount, cveId, popularImage } from './dataset.ts';
import { startImagescope } from './processes.ts';
import { measureLatency, type Latency } from './stats.ts';

export async function consoleLatencies(db: string, iterations: number): Promise<Record<string, Latency>> {
  const widest = cveId(0);
  const paths: Record<string, string> = {
    'overview page': '/',
    'summary API': '/api/v1/summary',
    'exposure page, running images (widest CVE)': `/vulnerabilities/${widest}`,
    'exposure page, all images (widest CVE)': `/vulnerabilities/${widest}?running=false`,
    'exposure API, first page (widest CVE)': `/api/v1/vulnerabilities/${widest}/exposure`,
    'exposure page, a rare CVE': `/vulnerabilities/${cveId(39_999)}?running=false`,
    'vulnerabilities page (running)': '/vulnerabilities',
    'vulnerabilities API, all, last severity filter': '/api/v1/vulnerabilities?running=false&severity=LOW&q=cve-2024',
    'images page': '/images',
    'images API (running)': '/api/v1/images?running=true',
    'image page (popular image)': `/images/${encodeURIComponent(popularImage)}`,
    'clusters page': '/clusters',
    'clusters API': '/api/v1/clusters',
    // Issue 19: the dataset's reports are from 2026-11-20, so every running image's scan is stale by
    // the default freshness once a week has passed: the widest list there can be.
    'coverage page': '/coverage',
    'coverage API': '/api/v1/coverage',
  };
  const server = await startImagescope(db);
  try {
    const out: Record<string, Latency> = {};
    for (const [name, path] of Object.entries(paths)) {
      const url = `${server.url}${path}${path.includes('?') ? '&' : '?'}accountId=${benchAccount}`;
      out[name] = await measureLatency(async () => {
        const response = await fetch(url);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${name}: ${response.status}`);
      }, iterations);
    }
    return out;
  } finally {
    await server.stop();
  }
}
