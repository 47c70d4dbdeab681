// Reads the files of `imagescope ingest` and hands them to the library (straight into the store with
// --db) or to a running server's ingest endpoint (--endpoint), then prints the summaries.
import { readFile } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { ingestInputs, type IngestInput, type IngestOutcome, type IngestSummary } from '../ingest/ingest-input.ts';
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
      for await (const group of inputGroups(files)) {
        const read = group.filter((input): input is IngestInput => !(input instanceof IngestRejection));
        const outcomes = await ingestInputs(store, read, options, Date.now());
        // In the order the files were named, unreadable ones where they were.
        for (const input of group) record(input instanceof IngestRejection ? input : outcomes.shift()!);
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

/** Files share a transaction up to this many bytes of input (and their parsed reports, in memory). */
const groupBytes = 64 * 1024 * 1024;

/** The files read in groups of about `groupBytes`, each one's text or why it could not be read. */
async function* inputGroups(files: string[]): AsyncGenerator<(IngestInput | IngestRejection)[]> {
  let group: (IngestInput | IngestRejection)[] = [];
  let bytes = 0;
  for (const file of files) {
    const input = await readInput(file).then((text) => ({ name: file, text }), rejection);
    group.push(input);
    bytes += input instanceof IngestRejection ? 0 : input.text.length;
    if (bytes >= groupBytes) {
      yield group;
      [group, bytes] = [[], 0];
    }
  }
  if (group.length > 0) yield group;
}

function rejection(error: unknown): IngestRejection {
  if (error instanceof IngestRejection) return error;
  throw error;
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
