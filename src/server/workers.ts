// `imagescope serve --workers N`: N server processes on one port (node:cluster). One Node process
// runs JavaScript on one core, and a request's cost is mostly CPU (HTTP parsing, SigV4, SQLite
// reads), so one process leaves the other cores idle. Workers are replicas on one machine: nothing a
// request needs lives only in one process's memory (the store is shared, pagination tokens are
// sealed with a key kept in the database); each throttles on its own, as replicas do.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { openStore } from '../store/open-store.ts';
import type { ServerConfig } from './config.ts';

export interface WorkerPool {
  url: string;
  /** Asks every worker to drain and stop, and waits until they have. */
  close(): Promise<void>;
}

interface ListeningMessage {
  imagescopeListening: string;
}

/** In a worker: tells the primary that this worker serves `url`. */
export function reportListening(url: string): void {
  process.send?.({ imagescopeListening: url } satisfies ListeningMessage);
}

export async function startWorkers(config: ServerConfig, logger: Logger): Promise<WorkerPool> {
  // Migrate once before forking, so that workers start on the current schema instead of racing.
  await (await openStore(config.db)).close();
  let stopping = false;
  const fork = (): Promise<{ worker: Worker; url: string }> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      let listening = false;
      worker.on('message', (message: Partial<ListeningMessage>) => {
        if (!message.imagescopeListening) return;
        listening = true;
        resolve({ worker, url: message.imagescopeListening });
      });
      worker.once('exit', (code, signal) => {
        if (!listening) return reject(new Error(`a server worker exited (${signal ?? `code ${code}`}) before it was listening`));
        if (stopping) return;
        // A worker that dies after start-up (out of memory, a native crash) is replaced; in-flight
        // requests on it are lost to their clients, which retry (AWS SDKs do).
        logger.error({ pid: worker.process.pid, code, signal }, 'worker exited; starting another');
        fork().catch((error) => logger.error({ err: error }, 'replacement worker failed to start'));
      });
    });
  const started = await Promise.allSettled(Array.from({ length: config.workers }, fork));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    stopping = true;
    await stopAll();
    throw (failed as PromiseRejectedResult).reason;
  }
  return {
    url: (started[0] as PromiseFulfilledResult<{ url: string }>).value.url,
    close: () => {
      stopping = true;
      return stopAll();
    },
  };
}

async function stopAll(): Promise<void> {
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  await Promise.all(workers.map((worker) => new Promise<void>((done) => {
    worker.once('exit', () => done());
    worker.process.kill('SIGTERM');
  })));
}
