// Runs a live feed until SIGTERM or SIGINT: checks the flags (exit code 2 with a message when they are
// wrong), opens the sink (a store or a server), serves health if asked, logs JSON to stderr, and on a
// signal stops watching, writes what is pending and exits 0. `imagescope scan` is one pass of the
// scan feed, run the same way (exit 1 when a scan failed).
import { setFlagsFromString } from 'node:v8';
import ms from 'ms';
import pino, { type Logger } from 'pino';
import { FeedHealth, serveFeedHealth } from '../feeds/feed-health.ts';
import { openSink, type IngestSink, type SinkTarget } from '../feeds/ingest-sink.ts';
import type { TargetFlags } from '../feeds/kubernetes/targets.ts';
import { UsageError } from '../feeds/usage-error.ts';
import { scannerCommand } from '../feeds/scan/scanner-command.ts';
import { tenantAccount } from './options.ts';

interface SinkFlags {
  db: string;
  endpoint?: string;
  accountId?: string;
  healthPort?: string;
}



function duration(flag: string, value: string): number {
  const parsed = ms(value as ms.StringValue);
  if (!(parsed > 0)) throw new UsageError(`${flag} '${value}' must be a duration such as 30s, 5m or 1h`);
  return parsed;
}

function accountOf(flags: SinkFlags): string {
  const account = tenantAccount(flags).accountId;
  if (!/^\d{12}$/.test(account)) throw new UsageError(`account id '${account}' must be 12 digits`);
  return account;
}

function healthPortOf(flags: SinkFlags): number | undefined {
  if (flags.healthPort === undefined) return undefined;
  const port = Number(flags.healthPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--health-port '${flags.healthPort}' must be 0-65535`);
  return port;
}

const envNumber = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export async function watchKubernetes(flags: TargetFlags & SinkFlags & { namespace: string[]; resync: string; vulnerabilityReports: 'auto' | 'on' | 'off' }): Promise<void> {
  // Each feed loads only its own client: @kubernetes/client-node or the ECS SDK, not both.
  const [{ ClusterFeed }, { clusterTargets }] = await Promise.all([import('../feeds/kubernetes/cluster-feed.ts'), import('../feeds/kubernetes/targets.ts')]);
  await runFeed('watch kubernetes', flags, () => {
    const resyncMs = duration('--resync', flags.resync);
    const targets = clusterTargets(flags);
    return {
      intervalMs: resyncMs,
      start: (sink, health, log) =>
        targets.map((target) =>
          new ClusterFeed(target, sink, {
            namespaces: flags.namespace,
            resyncMs,
            accountId: accountOf(flags),
            vulnerabilityReports: flags.vulnerabilityReports,
            flushMs: envNumber('IMAGESCOPE_FEED_FLUSH_MS', 1_000),
            pageSize: envNumber('IMAGESCOPE_KUBERNETES_PAGE_SIZE', 500),
            watchTimeoutSeconds: envNumber('IMAGESCOPE_WATCH_TIMEOUT_SECONDS', 300),
            requestTimeoutMs: envNumber('IMAGESCOPE_FEED_REQUEST_TIMEOUT_MS', 60_000),
          }, health, log),
        ),
    };
  });
}

export async function watchEcs(flags: SinkFlags & { region: string[]; cluster: string[]; interval: string }): Promise<void> {
  const { EcsPoller } = await import('../feeds/ecs/ecs-poller.ts');
  await runFeed('watch ecs', flags, () => {
    const intervalMs = duration('--interval', flags.interval);
    const settings = { regions: flags.region, clusters: flags.cluster, intervalMs, accountId: accountOf(flags) };
    return { intervalMs, start: (sink, health, log) => [new EcsPoller(sink, settings, health, log)] };
  });
}

export async function watchEcr(flags: SinkFlags & { region: string[]; interval: string }): Promise<void> {
  const [{ EcrPoller }, { openRunningImages }] = await Promise.all([import('../feeds/ecr/ecr-poller.ts'), import('../feeds/running-images.ts')]);
  await runFeed('watch ecr', flags, () => {
    const intervalMs = duration('--interval', flags.interval);
    const settings = { regions: flags.region, intervalMs, accountId: accountOf(flags) };
    return { intervalMs, start: async (sink, health, log, target) => [new EcrPoller(sink, await openRunningImages(target), settings, health, log)] };
  });
}

export async function watchInspector2(flags: SinkFlags & { region: string[]; interval: string }): Promise<void> {
  const { Inspector2Poller } = await import('../feeds/inspector2/inspector2-poller.ts');
  await runFeed('watch inspector2', flags, () => {
    const intervalMs = duration('--interval', flags.interval);
    const settings = { regions: flags.region, intervalMs, accountId: accountOf(flags) };
    return { intervalMs, start: (sink, health, log) => [new Inspector2Poller(sink, settings, health, log)] };
  });
}

interface ScanFlags extends SinkFlags {
  missing?: boolean;
  stale?: boolean;
  scanner: string;
  scannerCommand?: string;
  parallel: string;
  timeout: string;
}

function scanSettings(flags: ScanFlags, intervalMs: number) {
  const parallel = Number(flags.parallel);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) throw new UsageError(`--parallel '${flags.parallel}' must be 1-64`);
  return {
    accountId: accountOf(flags),
    // --missing is the default; --stale alone scans stale images only.
    missing: flags.missing ?? !flags.stale,
    stale: flags.stale ?? false,
    command: scannerCommand(flags.scanner, flags.scannerCommand),
    parallel,
    timeoutMs: duration('--timeout', flags.timeout),
    intervalMs,
  };
}

export async function watchScan(flags: ScanFlags & { interval: string }): Promise<void> {
  const [{ ScanRunner }, { openRunningImages }] = await Promise.all([import('../feeds/scan/scan-runner.ts'), import('../feeds/running-images.ts')]);
  await runFeed('watch scan', flags, () => {
    const intervalMs = duration('--interval', flags.interval);
    const settings = scanSettings(flags, intervalMs);
    return { intervalMs, start: async (sink, health, log, target) => [new ScanRunner(sink, await openRunningImages(target), settings, health, log)] };
  });
}

/** One pass: exits 0 when every scan it ran stored a report, 1 when one failed (its status is recorded). */
export async function scanOnce(flags: ScanFlags): Promise<void> {
  const [{ ScanRunner }, { openRunningImages }] = await Promise.all([import('../feeds/scan/scan-runner.ts'), import('../feeds/running-images.ts')]);
  let failed = 0;
  await runFeed('scan', flags, () => {
    const settings = scanSettings(flags, 0);
    return {
      intervalMs: settings.timeoutMs,
      start: async (sink, health, log, target) => {
        const runner = new ScanRunner(sink, await openRunningImages(target), settings, health, log);
        return [{ run: async (signal) => void (failed = (await runner.pass(signal)).failed, await runner.close()) }];
      },
    };
  }, () => (failed > 0 ? 1 : 0));
}

interface Feed {
  run(signal: AbortSignal): Promise<void>;
}

interface FeedPlan {
  intervalMs: number;
  start(sink: IngestSink, health: FeedHealth, log: Logger, target: SinkTarget): Feed[] | Promise<Feed[]>;
}

/** `command`: as the user typed it (`watch ecr`, `scan`); messages name it, logs name its feed. */
async function runFeed(command: string, flags: SinkFlags, plan: () => FeedPlan, exitCode: () => number = () => 0): Promise<void> {
  let planned: FeedPlan;
  let healthPort: number | undefined;
  try {
    accountOf(flags);
    healthPort = healthPortOf(flags);
    planned = plan();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`imagescope ${command}: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  // A watcher lives for weeks beside other pods, and its work comes in bursts (a relist of every pod):
  // V8's default heap sizing lets each burst's garbage grow the heap to twice what a watcher needs.
  // Favouring size over speed keeps its peak near what it holds (BENCHMARKS.md, live feeds).
  setFlagsFromString('--optimize-for-size');
  const log = pino({ level: process.env.IMAGESCOPE_LOG_LEVEL ?? 'info', base: { feed: command.split(' ').pop() } }, pino.destination(2));
  const target: SinkTarget = { db: flags.db, endpoint: flags.endpoint, sendAccount: tenantAccount(flags).explicit };
  const sink = await openSink(target);
  const health = new FeedHealth(planned.intervalMs);
  const healthServer = healthPort === undefined ? undefined : await serveFeedHealth(health, healthPort);
  if (healthServer) log.info({ port: (healthServer.address() as { port: number }).port }, 'serving /live and /ready');
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'stopping: writing what is pending');
      stop.abort();
    });
  }
  const feeds = await planned.start(sink, health, log, target);
  await Promise.all(feeds.map((feed) => feed.run(stop.signal)));
  await sink.close();
  healthServer?.close();
  log.info('stopped');
  log.flush();
  // Whatever sockets the clients keep alive, the work is done and written.
  process.exit(exitCode());
}
