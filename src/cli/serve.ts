import { Command } from 'commander';
import { serverConfig, type ServeFlags } from '../server/config.ts';
import { startServer } from '../server/app.ts';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve GetClustersForImage and ListImageScanFindingAggregations (and the ingest endpoint)')
    .option('--host <host>', 'address to listen on (IMAGESCOPE_HOST)', undefined)
    .option('--port <port>', 'port, 0 for any free one (IMAGESCOPE_PORT, default 4599)')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (IMAGESCOPE_DB, default ./imagescope.sqlite)')
    .option('--auth <mode>', 'none or sigv4 (IMAGESCOPE_AUTH; default none on a loopback address, else sigv4)')
    .option('--allow-unauthenticated', 'allow --auth none on a non-loopback address (IMAGESCOPE_ALLOW_UNAUTHENTICATED=1)')
    .action(async (flags: ServeFlags) => {
      let config;
      try {
        config = serverConfig(flags);
      } catch (error) {
        process.stderr.write(`imagescope serve: ${(error as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const server = await startServer(config);
      process.stdout.write(`imagescope listening on ${server.url}\n`);
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`${signal}: draining in-flight requests and closing the store\n`);
        await server.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop('SIGINT'));
      process.on('SIGTERM', () => void stop('SIGTERM'));
    });
}
