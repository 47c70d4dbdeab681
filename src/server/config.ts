// Server configuration from flags and environment variables (flags win). Documented in the README.
import { availableParallelism } from 'node:os';
import ms from 'ms';
import { readAlertsFile, type AlertsConfig } from '../alerts/alerts-file.ts';
import type { AlertTiming } from '../alerts/alert-relay.ts';
import { defaultDatabaseFile } from '../store/locations.ts';
import type { AuthMode } from '../protocol/authenticate.ts';
import type { ServerSettings } from '../protocol/operation.ts';
import type { ThrottleSettings } from '../protocol/throttle.ts';
import { inspector2Model } from '../model/service-model.ts';

export interface ServerConfig {
  host: string;
  port: number;
  /** SQLite file path or postgres:// URL. */
  db: string;
  logLevel: string;
  auth: AuthMode;
  throttle: ThrottleSettings;
  limits: {
    /** Largest AWS request body accepted. */
    requestBytes: number;
    /** Largest ingest body accepted by the HTTP ingest endpoint. */
    ingestBytes: number;
    /** A client must send all request headers within this time. */
    headersTimeoutMs: number;
    /** A client must send the whole request (headers and body) within this time. */
    requestTimeoutMs: number;
  };
  settings: ServerSettings;
  /** Server processes sharing the port (node:cluster); 1 serves from this process. */
  workers: number;
  metrics: {
    /** With --auth sigv4, GET /metrics needs `Authorization: Bearer <token>`. */
    token?: string;
    /** How often the domain gauges are counted from the store. */
    snapshotIntervalMs: number;
  };
  /** Exposure alerts (--alerts FILE): the destinations, checked at start. */
  alerts?: AlertsConfig;
  /** Where people reach this server (--public-url): alerts link to its console. Default: the address it listens on. */
  publicUrl?: string;
  alertTiming: AlertTiming;
  /** Console sign-in (--auth sigv4). */
  console: {
    idleMs: number;
    lifetimeMs: number;
    /** Sign-in attempts per client address per minute (a burst of as many). */
    signInsPerMinute: number;
  };
}

export const defaultPort = 4599;
export const defaultAccountId = '000000000000';
export const defaultRetentionDays = 14;
export const defaultAggregationPageSize = 100;
/** A scan is current for 30 days: Inspector's ECR rescan duration of the same name. */
export const defaultRescanDuration = 'DAYS_30';
/** Coverage: a scan older than a week is stale (STALE_INVENTORY). */
export const defaultScanFreshness = '7d';

export interface ServeFlags {
  host?: string;
  port?: string;
  db?: string;
  auth?: string;
  allowUnauthenticated?: boolean;
  workers?: string;
  alerts?: string;
  publicUrl?: string;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name] ?? fallback);
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`${name} '${env[name]}' must be a positive number`);
  return value;
}

/** How long a scan stays current, and how long an image unscanned and unused stays covered (the server's and the feeds' coverage). */
export function scanWindows(env: NodeJS.ProcessEnv = process.env): { scanFreshnessMs: number; retentionMs: number } {
  const retentionDays = Number(env.IMAGESCOPE_RETENTION_DAYS ?? defaultRetentionDays);
  if (!(retentionDays > 0)) throw new Error(`IMAGESCOPE_RETENTION_DAYS '${env.IMAGESCOPE_RETENTION_DAYS}' must be a positive number`);
  const freshness = env.IMAGESCOPE_SCAN_FRESHNESS ?? defaultScanFreshness;
  const scanFreshnessMs = ms(freshness as ms.StringValue);
  if (!(scanFreshnessMs > 0)) throw new Error(`IMAGESCOPE_SCAN_FRESHNESS '${freshness}' must be a duration such as 7d, 36h or 90m`);
  return { scanFreshnessMs, retentionMs: retentionDays * 24 * 60 * 60 * 1000 };
}

export function serverConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(flags.port ?? env.IMAGESCOPE_PORT ?? defaultPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port '${flags.port ?? env.IMAGESCOPE_PORT}' must be 0-65535`);
  const defaultAccount = env.IMAGESCOPE_DEFAULT_ACCOUNT_ID ?? defaultAccountId;
  if (!/^\d{12}$/.test(defaultAccount)) throw new Error(`IMAGESCOPE_DEFAULT_ACCOUNT_ID '${defaultAccount}' must be 12 digits`);
  const { scanFreshnessMs, retentionMs } = scanWindows(env);
  const pageSize = Number(env.IMAGESCOPE_AGGREGATION_PAGE_SIZE ?? defaultAggregationPageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new Error(`IMAGESCOPE_AGGREGATION_PAGE_SIZE '${env.IMAGESCOPE_AGGREGATION_PAGE_SIZE}' must be 1-1000`);
  const rescanDuration = env.IMAGESCOPE_RESCAN_DURATION ?? defaultRescanDuration;
  const durations = inspector2Model.shapes.EcrRescanDuration!.enum!;
  if (!durations.includes(rescanDuration)) throw new Error(`IMAGESCOPE_RESCAN_DURATION '${rescanDuration}' must be one of ${durations.join(', ')}`);
  const host = flags.host ?? env.IMAGESCOPE_HOST ?? '127.0.0.1';
  // Without credentials anyone who can reach the port reads everything: only loopback is open by default.
  const auth = flags.auth ?? env.IMAGESCOPE_AUTH ?? (isLoopback(host) ? 'none' : 'sigv4');
  if (auth !== 'none' && auth !== 'sigv4') throw new Error(`auth '${auth}' must be none or sigv4`);
  const allowUnauthenticated = flags.allowUnauthenticated ?? env.IMAGESCOPE_ALLOW_UNAUTHENTICATED === '1';
  if (auth === 'none' && !isLoopback(host) && !allowUnauthenticated) {
    throw new Error(`refusing to serve ${host} without authentication: use --auth sigv4, or --allow-unauthenticated if a proxy in front authenticates`);
  }
  const workersValue = flags.workers ?? env.IMAGESCOPE_WORKERS ?? '1';
  const workers = workersValue === 'auto' ? availableParallelism() : Number(workersValue);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new Error(`workers '${workersValue}' must be 1-256 or auto`);
  const alertsFile = flags.alerts ?? env.IMAGESCOPE_ALERTS;
  const publicUrl = flags.publicUrl ?? env.IMAGESCOPE_PUBLIC_URL;
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(publicUrl)) throw new Error(`public URL '${publicUrl}' must be an http:// or https:// URL`);
  return {
    host,
    port,
    workers,
    ...(alertsFile && { alerts: readAlertsFile(alertsFile, env) }),
    ...(publicUrl && { publicUrl: publicUrl.replace(/\/+$/, '') }),
    alertTiming: {
      tickMs: positiveNumber(env, 'IMAGESCOPE_ALERT_TICK_MS', 1_000),
      timeoutMs: positiveNumber(env, 'IMAGESCOPE_ALERT_TIMEOUT_MS', 10_000),
      firstBackoffMs: positiveNumber(env, 'IMAGESCOPE_ALERT_BACKOFF_MS', 5_000),
      retryPeriodMs: positiveNumber(env, 'IMAGESCOPE_ALERT_RETRY_HOURS', 24) * 3_600_000,
      leaseMs: positiveNumber(env, 'IMAGESCOPE_ALERT_LEASE_MS', 60_000),
    },
    auth,
    throttle: {
      ratePerSecond: positiveNumber(env, 'IMAGESCOPE_THROTTLE_RATE', 200),
      burst: positiveNumber(env, 'IMAGESCOPE_THROTTLE_BURST', 400),
    },
    limits: {
      requestBytes: positiveNumber(env, 'IMAGESCOPE_MAX_REQUEST_BYTES', 1024 * 1024),
      ingestBytes: positiveNumber(env, 'IMAGESCOPE_MAX_INGEST_BYTES', 256 * 1024 * 1024),
      headersTimeoutMs: positiveNumber(env, 'IMAGESCOPE_HEADERS_TIMEOUT_MS', 10_000),
      requestTimeoutMs: positiveNumber(env, 'IMAGESCOPE_REQUEST_TIMEOUT_MS', 300_000),
    },
    metrics: { token: env.IMAGESCOPE_METRICS_TOKEN || undefined, snapshotIntervalMs: positiveNumber(env, 'IMAGESCOPE_METRICS_INTERVAL_MS', 60_000) },
    console: {
      idleMs: positiveNumber(env, 'IMAGESCOPE_CONSOLE_IDLE_MINUTES', 30) * 60_000,
      lifetimeMs: positiveNumber(env, 'IMAGESCOPE_CONSOLE_SESSION_HOURS', 12) * 3_600_000,
      signInsPerMinute: positiveNumber(env, 'IMAGESCOPE_CONSOLE_SIGN_INS_PER_MINUTE', 10),
    },
    db: flags.db ?? env.IMAGESCOPE_DB ?? defaultDatabaseFile,
    logLevel: env.IMAGESCOPE_LOG_LEVEL ?? 'info',
    settings: {
      defaultAccountId: defaultAccount,
      defaultRegion: env.IMAGESCOPE_DEFAULT_REGION ?? 'us-east-1',
      retentionMs,
      aggregationPageSize: pageSize,
      rescanDuration,
      scanFreshnessMs,
    },
  };
}
