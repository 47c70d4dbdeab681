// Runs one scanner process: no shell, its report read from stdout, the end of its stderr kept for the
// failure's reason, cut off (SIGTERM, then SIGKILL) at the timeout. A stopping imagescope lets a
// running scan end (or reach its timeout) rather than throw away its work.
import { spawn } from 'node:child_process';

export type ScannerOutcome =
  | { ok: true; stdout: string }
  | { ok: false; reason: 'ACCESS_DENIED' | 'INTERNAL_ERROR'; detail: string };

/** What of stderr is kept: its end, where scanners say why they failed. */
const stderrKept = 2_000;
const killGraceMs = 5_000;

export function runScanner(argv: string[], timeoutMs: number): Promise<ScannerOutcome> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    let cut: string | undefined;
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-stderrKept)));
    const kill = (why: string) => {
      if (cut || child.exitCode !== null) return;
      cut = why;
      child.kill('SIGTERM');
      setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), killGraceMs).unref();
    };
    const timer = setTimeout(() => kill(`timed out after ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const missing = error.code === 'ENOENT' ? `${argv[0]} is not installed or not on PATH (see the README, "Scan what runs unscanned")` : error.message;
      resolve({ ok: false, reason: 'INTERNAL_ERROR', detail: missing });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && !cut) return resolve({ ok: true, stdout: Buffer.concat(stdout).toString('utf8') });
      const how = cut ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
      const said = stderr.trim().split('\n').slice(-5).join(' ').trim();
      const detail = `${argv[0]}: ${how}${said ? `: ${said}` : ''}`;
      resolve({ ok: false, reason: /unauthori[sz]ed|denied|forbidden|403/i.test(said) ? 'ACCESS_DENIED' : 'INTERNAL_ERROR', detail });
    });
  });
}
