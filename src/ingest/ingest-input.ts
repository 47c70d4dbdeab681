// One input (a file or stdin) from bytes to the store: read JSON documents, recognise the format,
// parse with the format's pure parser, and write everything in one transaction. A malformed input is
// rejected whole, before anything is written.
import { formats, type InputFormat } from './formats.ts';
import { resourceIdOf } from './images.ts';
import { IngestRejection } from './ingest-rejection.ts';
import type { IngestOptions } from './ingest-options.ts';
import { readJsonDocuments, type JsonDocument } from './json-documents.ts';
import type { ParseResult, Skipped } from './parse-result.ts';
import { parseKubernetesListTexts, type KubernetesListTexts } from './runtime/kubernetes-pods.ts';
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

/** A Kubernetes List given item by item (a live feed's snapshot), read one item at a time. */
export function ingestKubernetesList(store: Store, name: string, list: KubernetesListTexts, options: IngestOptions, now: number): Promise<IngestSummary> {
  return applyParsed(store, name, options, now, () => ({ format: 'kubernetes', parsed: parseKubernetesListTexts(list, { ...options, now }) }));
}

/** Parses (a rejection names the input, and nothing is written) and writes the result. */
async function applyParsed(store: Store, name: string, options: IngestOptions, now: number, parse: () => { format: string; parsed: ParseResult }): Promise<IngestSummary> {
  let format: string;
  let parsed: ParseResult;
  try {
    ({ format, parsed } = parse());
  } catch (error) {
    if (error instanceof IngestRejection) throw error.inFile(name);
    throw error;
  }
  const summary: IngestSummary = {
    file: name,
    format,
    applied: 0,
    unchanged: 0,
    stoppedBySnapshot: 0,
    findings: 0,
    skipped: parsed.skipped,
    images: [...new Set(parsed.images.map(resourceIdOf))].sort(),
  };
  if (parsed.runtime) Object.assign(summary, await store.applyRuntime(options.accountId, parsed.runtime, now));
  if (parsed.findings) {
    const written = await store.applyFindings(
      options.accountId,
      { reports: parsed.findings, imageBuildVersionArn: options.imageBuildVersionArn, imagePipelineArn: options.imagePipelineArn },
      now,
    );
    Object.assign(summary, { applied: written.reportsApplied, unchanged: written.reportsUnchanged, findings: written.findingsStored });
  }
  return summary;
}

function chooseFormat(requested: string, first: unknown): InputFormat {
  if (requested !== 'auto') return formats.find((f) => f.name === requested)!;
  const found = formats.find((f) => f.detect(first));
  if (!found) {
    throw new IngestRejection('$', `unrecognised input: expected one of ${formats.map((f) => `${f.name} (${f.description})`).join('; ')}; or pass --format`);
  }
  return found;
}
