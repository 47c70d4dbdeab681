import { Command } from 'commander';
import { serverConfig } from '../server/config.ts';
import { startServer } from '../server/app.ts';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve GetClustersForImage and ListImageScanFindingAggregations (and the ingest endpoint)')
    .option('--host <host>', 'address to listen on (IMAGESCOPE_HOST)', undefined)
    .option('--port <port>', 'port, 0 for any free one (IMAGESCOPE_PORT, default 4599)')
    .option('--db <path|url>', 'SQLite file or postgres:// URL (IMAGESCOPE_DB, default ./imagescope.sqlite)')
    .action(async (flags: { host?: string; port?: string; db?: string }) => {
      const server = await startServer(serverConfig(flags));
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
