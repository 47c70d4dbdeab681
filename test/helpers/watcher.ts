// Runs `imagescope watch ...` as a child process and reads its JSON log lines, for the live-feed
// tests. Timings are shortened through the environment (backoff, flush, watch timeout).
import { spawn, type ChildProcess } from 'node:child_process';
import { cliPath } from './cli.ts';

export interface WatcherProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs(): Record<string, any>[];
  stderr(): string;
  /** Resolves with the first log line that `match` accepts (rejects after `timeoutMs`). */
  waitForLog(match: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  /**
   * Its exit code. A watcher that has not exited within `timeoutMs` is a defect, not a slow test: it is
   * killed, and this rejects with its log's tail (and, with IMAGESCOPE_TEST_REPORT_DIR set, a Node
   * diagnostic report of what it was waiting on is written there first).
   */
  exit(timeoutMs?: number): Promise<number | null>;
}

export const fastFeedEnv = {
  IMAGESCOPE_FEED_BACKOFF_MS: '50',
  IMAGESCOPE_FEED_FLUSH_MS: '100',
  IMAGESCOPE_WATCH_TIMEOUT_SECONDS: '2',
  IMAGESCOPE_KUBERNETES_PAGE_SIZE: '2',
  IMAGESCOPE_LOG_LEVEL: 'debug',
};

const reportDir = process.env.IMAGESCOPE_TEST_REPORT_DIR;
const reportFlags = reportDir ? ['--report-on-signal', `--report-directory=${reportDir}`] : [];

export function startWatcher(args: string[], env: Record<string, string> = {}): WatcherProcess {
  const child = spawn(process.execPath, [...reportFlags, cliPath, 'watch', ...args], { env: { ...process.env, ...fastFeedEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const logs = () =>
    stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
  return {
    child,
    logs,
    stderr: () => stderr,
    async exit(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
      const code = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (code !== 'late') return code;
      if (reportDir) {
        child.kill('SIGUSR2');
        await new Promise((r) => setTimeout(r, 2_000));
      }
      child.kill('SIGKILL');
      throw new Error(`the watcher (pid ${child.pid}) had not exited within ${timeoutMs} ms: ${stderr.slice(-3000)}`);
    },
    async waitForLog(match, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs().find(match);
        if (found) return found;
        if (child.exitCode !== null) throw new Error(`the watcher exited (${child.exitCode}) first: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`no such log line within ${timeoutMs} ms: ${stderr.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Retries `check` until it stops throwing (an assertion about state that converges), or rethrows after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** `{group: {running, stopped, ...}}` as `{group: [running, stopped]}`, to compare in one assertion. */
export function runningAndStopped(rows: Record<string, { running: number; stopped: number }>): Record<string, [number, number]> {
  return Object.fromEntries(Object.entries(rows).map(([group, v]) => [group, [v.running, v.stopped]]));
}
