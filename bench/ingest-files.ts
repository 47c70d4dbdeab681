// Ingest in the shape scanners write it: one report per file (`trivy image -f json -o ...`), many
// files in one `imagescope ingest` call, straight into the store (--db, process start included) and
// through a running server (--endpoint), against the same findings in bulk files.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchAccount, trivyReport } from './dataset.ts';
import type { BenchDatabase } from './databases.ts';
import { startImagescope } from './processes.ts';

function runIngest(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['bin/imagescope.js', 'ingest', '--account-id', benchAccount, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`ingest exited ${code}: ${stderr.slice(-1000)}`))));
  });
}

export async function measureFileIngest(create: () => Promise<BenchDatabase>, fileCount = 400, findingsPerReport = 500) {
  const dir = mkdtempSync(join(tmpdir(), 'imagescope-bench-files-'));
  try {
    const files = Array.from({ length: fileCount }, (_, i) => {
      const file = join(dir, `report-${i}.json`);
      // Reports as Trivy writes them, with each vulnerability's title, description, scores and links.
      writeFileSync(file, JSON.stringify(trivyReport(30_000 + i, findingsPerReport, true)));
      return file;
    });
    const findings = fileCount * findingsPerReport;
    const rate = (ms: number) => findings / (ms / 1000);
    const direct = await create();
    const viaServer = await create();
    try {
      const dbMs = await runIngest(['--db', direct.location, ...files]);
      const server = await startImagescope(viaServer.location);
      try {
        const endpointMs = await runIngest(['--endpoint', server.url, ...files]);
        return { files: fileCount, findingsPerReport, findings, dbFindingsPerSecond: rate(dbMs), dbMs, endpointFindingsPerSecond: rate(endpointMs), endpointMs };
      } finally {
        await server.stop();
      }
    } finally {
      await direct.drop();
      await viaServer.drop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
