// One input (a file or stdin) from bytes to the store: read JSON documents, recognise the format,
// parse with the format's pure parser, and write everything in one transaction. A malformed input is
// rejected whole, before anything is written.
import { formats, type InputFormat } from './formats.ts';
import { resourceIdOf } from './images.ts';
import { IngestRejection } from './ingest-rejection.ts';
import type { IngestOptions } from './ingest-options.ts';
import { readJsonDocuments } from './json-documents.ts';
import type { Skipped } from './parse-result.ts';
import type { Store } from '../store/store.ts';

export interface IngestInput {
  /** Shown in messages: a file path, `-` for stdin, or the name an HTTP client gave. */
  name: string;
  text: string;
}

export interface IngestSummary {
  file: string;
  format: string;
  /** Units (tasks, pods) written because they were new or newer. */
  applied: number;
  /** Replayed or older observations that changed nothing. */
  unchanged: number;
  stoppedBySnapshot: number;
  skipped: Skipped[];
  /** Inspector resource ids of every image seen, to paste into a query. */
  images: string[];
}

export async function ingestInput(store: Store, input: IngestInput, options: IngestOptions, now: number): Promise<IngestSummary> {
  let format: InputFormat;
  let parsed;
  try {
    const documents = readJsonDocuments(input.text);
    format = chooseFormat(options.format, documents[0]?.value);
    parsed = format.parse(documents, { ...options, now });
  } catch (error) {
    if (error instanceof IngestRejection) throw error.inFile(input.name);
    throw error;
  }
  const written = await store.applyRuntime(options.accountId, parsed.runtime);
  return {
    file: input.name,
    format: format.name,
    ...written,
    skipped: parsed.skipped,
    images: [...new Set(parsed.images.map(resourceIdOf))].sort(),
  };
}

function chooseFormat(requested: string, first: unknown): InputFormat {
  if (requested !== 'auto') return formats.find((f) => f.name === requested)!;
  const found = formats.find((f) => f.detect(first));
  if (!found) {
    throw new IngestRejection('$', `unrecognised input: expected one of ${formats.map((f) => `${f.name} (${f.description})`).join('; ')}; or pass --format`);
  }
  return found;
}
