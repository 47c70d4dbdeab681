// What every process pays before it does anything: wall time of `imagescope --version` and the
// resident memory of an idle server (SQLite, no requests, after it has settled). Given another
// version's CLI entry (--baseline), measures both in the same run, alternating, so that the two compare
// on a shared, noisy machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startImagescope } from './processes.ts';
import { percentile, round } from './stats.ts';

export interface Startup {
  /** `imagescope --version`, p50 and p90 of the runs, ms. */
  versionMs: { p50: number; p90: number };
  /** The flag timed: `--help` for a version without `--version` (it loads the same modules). */
  flag: string;
  /** An idle server's resident memory 5 s after it listens, MiB. */
  idleRssMiB: number;
}

const settleMs = 5_000;

function versionFlagOf(cli: string): string {
  return spawnSync(process.execPath, [cli, '--version']).status === 0 ? '--version' : '--help';
}

function wallTime(cli: string, flag: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [cli, flag], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cli} ${flag} failed: ${result.stderr}`);
  return performance.now() - started;
}

async function idleRss(cli: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'imagescope-bench-idle-'));
  const server = await startImagescope(join(dir, 'idle.sqlite'), [], cli);
  try {
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    return server.rssMiB();
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The start-up figures of each CLI entry, keyed by label; the runs alternate between them. */
export async function measureStartup(clis: Record<string, string>, runs: number): Promise<Record<string, Startup>> {
  const flags = Object.fromEntries(Object.entries(clis).map(([label, cli]) => [label, versionFlagOf(cli)]));
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(clis).map((label) => [label, []]));
  for (let run = 0; run < runs; run++) for (const [label, cli] of Object.entries(clis)) times[label].push(wallTime(cli, flags[label]));
  const out: Record<string, Startup> = {};
  for (const [label, cli] of Object.entries(clis)) {
    const sorted = times[label].sort((a, b) => a - b);
    out[label] = { versionMs: { p50: round(percentile(sorted, 50), 1), p90: round(percentile(sorted, 90), 1) }, flag: flags[label], idleRssMiB: round(await idleRss(cli), 1) };
  }
  return out;
}
