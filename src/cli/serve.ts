import cluster from 'node:cluster';
import { Command } from 'commander';
import pino from 'pino';
import { serverConfig, type ServeFlags } from '../server/config.ts';
import { startServer } from '../server/app.ts';
import { reportListening, startWorkers } from '../server/workers.ts';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve GetClustersForImage and ListImageScanFindingAggregations (and the ingest endpoint)')
    .option('--host <host>', 'address to listen on (IMAGESCOPE_HOST)', undefined)
    .option('--port <port>', 'port, 0 for any free one (IMAGESCOPE_PORT, default 4599)')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (IMAGESCOPE_DB, default ./imagescope.sqlite)')
    .option('--auth <mode>', 'none or sigv4 (IMAGESCOPE_AUTH; default none on a loopback address, else sigv4)')
    .option('--allow-unauthenticated', 'allow --auth none on a non-loopback address (IMAGESCOPE_ALLOW_UNAUTHENTICATED=1)')
    .option('--workers <n>', 'server processes sharing the port, or auto for one per core (IMAGESCOPE_WORKERS, default 1)')
    .action(async (flags: ServeFlags) => {
      let config;
      try {
        config = serverConfig(flags);
      } catch (error) {
        process.stderr.write(`imagescope serve: ${(error as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const primaryOfWorkers = config.workers > 1 && cluster.isPrimary;
      const server = primaryOfWorkers ? await startWorkers(config, pino({ level: config.logLevel }, pino.destination(2))) : await startServer(config);
      if (cluster.isWorker) reportListening(server.url);
      else process.stdout.write(`imagescope listening on ${server.url}${primaryOfWorkers ? ` (${config.workers} workers)` : ''}\n`);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        if (!cluster.isWorker) process.stderr.write(`${signal}: draining in-flight requests and closing the store\n`);
        await server.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
