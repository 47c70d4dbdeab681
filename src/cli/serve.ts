import cluster from 'node:cluster';
import { Command, Option } from 'commander';
import type { ServeFlags } from '../server/config.ts';
import { dbOption, withExamples } from './options.ts';

export function serveCommand(): Command {
  const command = new Command('serve')
    .description('serve GetClustersForImage and ListImageScanFindingAggregations (and the ingest endpoint and health checks)')
    .addOption(new Option('--host <host>', 'address to listen on').env('IMAGESCOPE_HOST').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port, 0 for any free one').env('IMAGESCOPE_PORT').default('4599'))
    .addOption(dbOption())
    .addOption(new Option('--auth <mode>', 'none or sigv4; without it, none on a loopback address, else sigv4').choices(['none', 'sigv4']).env('IMAGESCOPE_AUTH'))
    .option('--allow-unauthenticated', 'allow --auth none on a non-loopback address (IMAGESCOPE_ALLOW_UNAUTHENTICATED=1)')
    .addOption(new Option('--workers <n>', 'server processes sharing the port, or auto for one per core').env('IMAGESCOPE_WORKERS').default('1'))
    .addOption(new Option('--alerts <file>', 'send exposure alerts to the destinations of this YAML or JSON file').env('IMAGESCOPE_ALERTS'))
    .addOption(new Option('--public-url <url>', 'where people reach this server: alerts link to its console (default: the address it listens on)').env('IMAGESCOPE_PUBLIC_URL'))
    .action(runServe);
  return withExamples(command, 'imagescope serve --port 4599 --db ./imagescope.sqlite', 'imagescope serve --host 0.0.0.0 --auth sigv4 --db postgres://imagescope@db:5432/imagescope');
}

async function runServe(flags: ServeFlags): Promise<void> {
  const { serverConfig } = await import('../server/config.ts');
  let config;
  try {
    config = serverConfig(flags);
  } catch (error) {
    process.stderr.write(`imagescope serve: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const [{ default: pino }, { startServer }, { reportListening, startWorkers }] = await Promise.all([import('pino'), import('../server/app.ts'), import('../server/workers.ts')]);
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
}
