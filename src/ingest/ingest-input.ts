// One input (a file or stdin) from bytes to the store: read JSON documents, recognise the format,
// parse with the format's pure parser, and write everything in one transaction. A malformed input is
// rejected whole, before anything is written.
import { formats, type InputFormat } from './formats.ts';
import { resourceIdOf } from './images.ts';
import { IngestRejection } from './ingest-rejection.ts';
import type { IngestOptions } from './ingest-options.ts';
import { readJsonDocuments, type JsonDocument } from './json-documents.ts';
import type { ParseResult, Skipped } from './parse-result.ts';
import type { RuntimeBatch } from './runtime/observations.ts';
import { parseKubernetesListPages, type KubernetesListPages } from './runtime/kubernetes-pods.ts';
import type { Store } from '../store/store.ts';

export interface IngestInput {
  /** Shown in messages: a file path, `-` for stdin, or the name an HTTP client gave. */
  name: string;
  text: string;
}

export interface IngestSummary {
  file: string;
  format: string;
  /** Units (tasks, pods) or findings reports written because they were new or newer. */
  applied: number;
  /** Replayed, identical or older observations and reports that changed nothing. */
  unchanged: number;
  /** Running pods stopped because a snapshot no longer listed them. */
  stoppedBySnapshot: number;
  /** Findings stored from the reports applied. */
  findings: number;
  skipped: Skipped[];
  /** Inspector resource ids of every image seen, to paste into a query. */
  images: string[];
}

export function ingestInput(store: Store, input: IngestInput, options: IngestOptions, now: number): Promise<IngestSummary> {
  return applyParsed(store, input.name, options, now, () => parseDocuments(readJsonDocuments(input.text), options, now));
}

/** The same, from JSON documents already in memory (the live feeds build them). */
export function ingestDocuments(store: Store, name: string, documents: JsonDocument[], options: IngestOptions, now: number): Promise<IngestSummary> {
  return applyParsed(store, name, options, now, () => parseDocuments(documents, options, now));
}

function parseDocuments(documents: JsonDocument[], options: IngestOptions, now: number): { format: string; parsed: ParseResult } {
  const format = chooseFormat(options.format, documents[0]?.value);
  return { format: format.name, parsed: format.parse(documents, { ...options, now }) };
}

/**
 * A Kubernetes List given as its pages (a live feed's snapshot): parsed a page at a time inside the
 * store's transaction, so a malformed item, or a list that fails part way, rolls the whole list back.
 */
export async function ingestKubernetesList(store: Store, name: string, list: KubernetesListPages, options: IngestOptions, now: number): Promise<IngestSummary> {
  const summary = new SummaryBuilder(name, 'kubernetes');
  const pages = parseKubernetesListPages(list, { ...options, now });
  return rejectionsNamed(name, async () => summary.done(await store.applyRuntime(options.accountId, summary.runtimeOf(pages), now)));
}

/** Parses (a rejection names the input, and nothing is written) and writes the result. */
function applyParsed(store: Store, name: string, options: IngestOptions, now: number, parse: () => { format: string; parsed: ParseResult }): Promise<IngestSummary> {
  return rejectionsNamed(name, async () => {
    const { format, parsed } = parse();
    const summary = new SummaryBuilder(name, format);
    if (parsed.runtime) return summary.done(await store.applyRuntime(options.accountId, summary.runtimeOf([parsed]), now));
    summary.saw(parsed);
    if (!parsed.findings) return summary.done({});
    const written = await store.applyFindings(
      options.accountId,
      { reports: parsed.findings, imageBuildVersionArn: options.imageBuildVersionArn, imagePipelineArn: options.imagePipelineArn },
      now,
    );
    return summary.done({ applied: written.reportsApplied, unchanged: written.reportsUnchanged, findings: written.findingsStored });
  });
}

async function rejectionsNamed<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof IngestRejection) throw error.inFile(name);
    throw error;
  }
}

/** The summary of one input, from the parse results it was read as. */
class SummaryBuilder {
  private readonly skipped: Skipped[] = [];
  private readonly images = new Set<string>();

  constructor(private readonly file: string, private readonly format: string) {}

  saw(parsed: ParseResult): void {
    this.skipped.push(...parsed.skipped);
    for (const image of parsed.images) this.images.add(resourceIdOf(image));
  }

  /** The runtime batches of these results, noting each as the store takes it. */
  async *runtimeOf(results: Iterable<ParseResult> | AsyncIterable<ParseResult>): AsyncGenerator<RuntimeBatch> {
    for await (const parsed of results) {
      this.saw(parsed);
      if (parsed.runtime) yield parsed.runtime;
    }
  }

  done(counts: Partial<Pick<IngestSummary, 'applied' | 'unchanged' | 'stoppedBySnapshot' | 'findings'>>): IngestSummary {
    return { file: this.file, format: this.format, applied: 0, unchanged: 0, stoppedBySnapshot: 0, findings: 0, ...counts, skipped: this.skipped, images: [...this.images].sort() };
  }
}

function chooseFormat(requested: string, first: unknown): InputFormat {
  if (requested !== 'auto') return formats.find((f) => f.name === requested)!;
  const found = formats.find((f) => f.detect(first));
  if (!found) {
    throw new IngestRejection('$', `unrecognised input: expected one of ${formats.map((f) => `${f.name} (${f.description})`).join('; ')}; or pass --format`);
  }
  return found;
}
