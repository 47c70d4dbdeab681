// Reads the files of `imagescope ingest` and hands them to the library (straight into the store with
// --db) or to a running server's ingest endpoint (--endpoint), then prints the summaries.
import { SingleBar } from 'cli-progress';
import { ingestParsed, type IngestOutcome, type IngestSummary } from '../ingest/ingest-input.ts';
import { checkIngestOptions, type IngestOptions } from '../ingest/ingest-options.ts';
import { IngestRejection } from '../ingest/ingest-rejection.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/store.ts';
import type { IngestFlags } from './ingest.ts';
import { tenantAccount } from './options.ts';
import { postToEndpoint } from '../ingest/ingest-endpoint-client.ts';
import { printSummary } from './ingest-report.ts';
import { readInput, readStdin, rejection, stdinName } from './input-files.ts';
import { parsedGroups } from './parse-ahead.ts';

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
  // A larger page cache than the server's: an ingest of new images writes its findings and rollups
  // all over their tables (measured: about 7 % faster at 200,000 findings; it is freed at exit).
  const store: Store | undefined = flags.endpoint ? undefined : await openStore(flags.db, { cacheKiB: 64 * 1024 });
  const progress = startProgress(files.length);
  const summaries: IngestSummary[] = [];
  let rejected = 0;
  const record = (outcome: IngestOutcome) => {
    if (outcome instanceof IngestRejection) {
      rejected++;
      progress.interrupt(`rejected ${outcome.message} (nothing of it was stored)`);
    } else {
      summaries.push(outcome);
    }
    progress.advance();
  };
  try {
    if (store) {
      // stdin is read here: the worker has none.
      const inputs = await Promise.all(files.map(async (name) => (name === stdinName ? { name, bytes: await readStdin() } : { name })));
      for await (const group of parsedGroups({ inputs, options })) {
        // In the order the files were named, rejected ones where they were.
        (await ingestParsed(store, group.inputs, options, group.now)).forEach(record);
      }
    } else {
      // Several requests in flight, so that the server writes them together; answered in file order.
      const inFlight: Promise<IngestOutcome>[] = [];
      for (const file of files) {
        const outcome = readInput(file).then((text) => postToEndpoint(flags.endpoint!, file, text, options, account.explicit)).catch(rejection);
        outcome.catch(() => undefined); // awaited below, in order
        inFlight.push(outcome);
        if (inFlight.length >= requestsInFlight) record(await inFlight.shift()!);
      }
      for (const outcome of inFlight) record(await outcome);
    }
  } finally {
    progress.stop();
    await store?.close();
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
  else summaries.forEach(printSummary);
  return rejected > 0 ? 1 : 0;
}

/** With --endpoint: files sent at once (the server's group commit writes them in one transaction). */
const requestsInFlight = 32;

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
