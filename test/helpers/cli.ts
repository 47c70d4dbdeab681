// Runs the real `imagescope` CLI as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../../bin/imagescope.js', import.meta.url));

/** How to run imagescope: the clone's compiled CLI by default, or an installed `imagescope` executable. */
export const cloneCli = [process.execPath, cliPath];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { stdin?: string; env?: Record<string, string>; cli?: string[] } = {}): Promise<CliResult> {
  const [executable, ...prefix] = options.cli ?? cloneCli;
  return new Promise((resolve, reject) => {
    const child = spawn(executable, [...prefix, ...args], { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** Starts `imagescope serve` and resolves with its URL once it prints that it listens. */
export function startServeProcess(args: string[], env: Record<string, string> = {}, cli = cloneCli): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const [executable, ...prefix] = cli;
  return new Promise((resolve, reject) => {
    const child = spawn(executable, [...prefix, 'serve', ...args], { env: { ...process.env, IMAGESCOPE_LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.stdout!.on('data', (d) => {
      stdout += d;
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) resolve({ child, url, stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code} before listening: ${stderr}`)));
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (code) => resolve(code))));
}
