// Child processes for the benchmark: the imagescope server and the bare node:http ceiling, each in
// its own process so that the load generator in this process does not share their event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface Child {
  url: string;
  process: ChildProcess;
  /** Peak resident memory so far (VmHWM), MiB. */
  peakRssMiB(): number;
  /** Resident memory now (VmRSS), MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

function start(args: string[], env: Record<string, string>): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) {
        resolve({
          url,
          process: child,
          peakRssMiB: () => statusMiB(child.pid!, 'VmHWM'),
          rssMiB: () => statusMiB(child.pid!, 'VmRSS'),
          stop: () => new Promise((done) => (child.exitCode !== null ? done() : (child.once('exit', () => done()), child.kill('SIGTERM')))),
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)));
  });
}

/** The server as `npm start` runs it (see the README on the V8 flag); `cli`: another version's entry. */
export function startImagescope(db: string, extraArgs: string[] = [], cli = 'bin/imagescope.js'): Promise<Child> {
  return start(['--max-semi-space-size=4', cli, 'serve', '--port', '0', '--db', db, ...extraArgs], {
    IMAGESCOPE_LOG_LEVEL: 'warn',
    IMAGESCOPE_THROTTLE_RATE: '1000000000',
    IMAGESCOPE_THROTTLE_BURST: '1000000000',
  });
}

export function startBareServer(body: string, workers = 1): Promise<Child> {
  return start(['--import', 'tsx', 'bench/bare-server.ts', body, String(workers)], {});
}
