// A collector's read of a whole account: boto3's ListFindings paginator (100 a page, the model's
// most) walks every finding against a running server, as security tools read Inspector. Measures the
// walk's time and how far the server's memory grows over idle while it answers (issue 18's target:
// at most 64 MiB at 1,000,000 findings).
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchAccount } from './dataset.ts';
import { startImagescope } from './processes.ts';
import { round } from './stats.ts';

const walk = `
import boto3, sys
client = boto3.client("inspector2", endpoint_url=sys.argv[1])
findings = pages = 0
for page in client.get_paginator("list_findings").paginate(PaginationConfig={"PageSize": 100}):
    pages += 1
    findings += len(page["findings"])
print(findings, pages)
`;

function runWalk(url: string): Promise<{ findings: number; pages: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', walk, url], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: benchAccount, AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-west-2', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      const [findings, pages] = out.trim().split(' ').map(Number);
      if (code === 0 && findings !== undefined && pages !== undefined) resolve({ findings, pages });
      else reject(new Error(`the boto3 walk exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

export async function measureFindingsWalk(location: string) {
  const server = await startImagescope(location);
  try {
    // Idle: started, answered its readiness check, and settled.
    await fetch(`${server.url}/_imagescope/health/ready`).then((r) => r.arrayBuffer());
    await sleep(2000);
    const idleRssMiB = server.rssMiB();
    let peakRssMiB = idleRssMiB;
    const sampler = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, server.rssMiB())), 50);
    const started = performance.now();
    try {
      const { findings, pages } = await runWalk(server.url);
      const seconds = (performance.now() - started) / 1000;
      return { findings, pages, seconds: round(seconds, 1), msPerPage: round((seconds * 1000) / pages, 2), idleRssMiB: round(idleRssMiB, 1), peakRssMiB: round(peakRssMiB, 1), growthMiB: round(peakRssMiB - idleRssMiB, 1) };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await server.stop();
  }
}
