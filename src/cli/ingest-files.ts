// Reads the files of `imagescope ingest` and hands them to the library (straight into the store with
// --db) or to a running server's ingest endpoint (--endpoint), then prints the summaries.
import { readFile } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { ingestInput, type IngestSummary } from '../ingest/ingest-input.ts';
import { checkIngestOptions, type IngestOptions } from '../ingest/ingest-options.ts';
import { IngestRejection } from '../ingest/ingest-rejection.ts';
import { decodeUtf8 } from '../ingest/utf8.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import type { IngestFlags } from './ingest.ts';
import { tenantAccount } from './options.ts';
import { postToEndpoint } from '../ingest/ingest-endpoint-client.ts';
import { printSummary } from './ingest-report.ts';

export async function runIngest(files: string[], flags: IngestFlags): Promise<number> {
  const account = tenantAccount(flags);
  let options: IngestOptions;
  try {
    options = checkIngestOptions({
      format: flags.format as IngestOptions['format'],
      accountId: account.accountId,
      region: flags.region,
      clusterArn: flags.clusterArn,
      namespace: flags.namespace,
      image: flags.image,
      imageBuildVersionArn: flags.imageBuildVersionArn,
      imagePipelineArn: flags.imagePipelineArn,
    });
  } catch (error) {
    process.stderr.write(`imagescope ingest: ${(error as Error).message}\n`);
    return 2;
  }
  const store: Store | undefined = flags.endpoint ? undefined : await openStore(flags.db);
  const progress = startProgress(files.length);
  const summaries: IngestSummary[] = [];
  let rejected = 0;
  try {
    for (const file of files) {
      try {
        const text = await readInput(file);
        summaries.push(store ? await ingestInput(store, { name: file, text }, options, Date.now()) : await postToEndpoint(flags.endpoint!, file, text, options, account.explicit));
      } catch (error) {
        if (!(error instanceof IngestRejection)) throw error;
        rejected++;
        progress.interrupt(`rejected ${error.message} (nothing of it was stored)`);
      }
      progress.advance();
    }
  } finally {
    progress.stop();
    await store?.close();
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
  else summaries.forEach(printSummary);
  return rejected > 0 ? 1 : 0;
}

async function readInput(file: string): Promise<string> {
  const bytes = file === '-' ? await readStdin() : await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new IngestRejection('$', `cannot read the file (${error.code ?? error.message})`, file);
  });
  const text = decodeUtf8(bytes);
  if (text === undefined) throw new IngestRejection('$', 'not valid UTF-8', file);
  return text;
}

async function readStdin(): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** A progress bar on a terminal, shown only once an ingest has taken more than a moment. */
function startProgress(total: number) {
  let bar: SingleBar | undefined;
  let done = 0;
  const timer = process.stderr.isTTY
    ? setTimeout(() => {
        bar = new SingleBar({ format: 'ingesting [{bar}] {value}/{total} inputs', stream: process.stderr });
        bar.start(total, done);
      }, 500)
    : undefined;
  return {
    advance() {
      done++;
      bar?.update(done);
    },
    interrupt(message: string) {
      if (bar) process.stderr.write('\n');
      process.stderr.write(`${message}\n`);
    },
    stop() {
      clearTimeout(timer);
      bar?.stop();
    },
  };
}
