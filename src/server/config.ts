// Server configuration from flags and environment variables (flags win). Documented in the README.
import { defaultDatabaseFile } from '../store/open-store.ts';
import type { ServerSettings } from '../protocol/operation.ts';

export interface ServerConfig {
  host: string;
  port: number;
  /** SQLite file path or postgres:// URL. */
  db: string;
  logLevel: string;
  settings: ServerSettings;
}

export const defaultPort = 4599;
export const defaultAccountId = '000000000000';
export const defaultRetentionDays = 14;
export const defaultAggregationPageSize = 100;

export interface ServeFlags {
  host?: string;
  port?: string;
  db?: string;
}

export function serverConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(flags.port ?? env.IMAGESCOPE_PORT ?? defaultPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port '${flags.port ?? env.IMAGESCOPE_PORT}' must be 0-65535`);
  const defaultAccount = env.IMAGESCOPE_DEFAULT_ACCOUNT_ID ?? defaultAccountId;
  if (!/^\d{12}$/.test(defaultAccount)) throw new Error(`IMAGESCOPE_DEFAULT_ACCOUNT_ID '${defaultAccount}' must be 12 digits`);
  const retentionDays = Number(env.IMAGESCOPE_RETENTION_DAYS ?? defaultRetentionDays);
  if (!(retentionDays > 0)) throw new Error(`IMAGESCOPE_RETENTION_DAYS '${env.IMAGESCOPE_RETENTION_DAYS}' must be a positive number`);
  const pageSize = Number(env.IMAGESCOPE_AGGREGATION_PAGE_SIZE ?? defaultAggregationPageSize);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new Error(`IMAGESCOPE_AGGREGATION_PAGE_SIZE '${env.IMAGESCOPE_AGGREGATION_PAGE_SIZE}' must be 1-1000`);
  return {
    host: flags.host ?? env.IMAGESCOPE_HOST ?? '127.0.0.1',
    port,
    db: flags.db ?? env.IMAGESCOPE_DB ?? defaultDatabaseFile,
    logLevel: env.IMAGESCOPE_LOG_LEVEL ?? 'info',
    settings: {
      defaultAccountId: defaultAccount,
      defaultRegion: env.IMAGESCOPE_DEFAULT_REGION ?? 'us-east-1',
      retentionMs: retentionDays * 24 * 60 * 60 * 1000,
      aggregationPageSize: pageSize,
    },
  };
}
