// One input (a file or stdin) from bytes to the store: read JSON documents, recognise the format,
// parse with the format's pure parser, and write everything in one transaction. A malformed input is
// rejected whole, before anything is written.
import { formats, type InputFormat } from './formats.ts';
import { FindingIds } from '../domain/finding-ids.ts';
import { resourceIdOf } from '../domain/images.ts';
import { IngestRejection } from './ingest-rejection.ts';
import type { IngestOptions } from './ingest-options.ts';
import { readJsonDocuments, type JsonDocument } from './json-documents.ts';
import type { ParseResult, Skipped } from './parse-result.ts';
import type { RuntimeBatch } from '../domain/runtime-units.ts';
import type { FindingsBatch } from '../domain/findings.ts';
import type { ScanFailure } from '../domain/scan-status.ts';
import { parseKubernetesListPages, type KubernetesListPages } from './runtime/kubernetes-pods.ts';
import { VulnerabilityDetailsReader } from './vulnerability-details.ts';
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

/** One input parsed: the format it was read as, and what it gave. */
export interface ParsedInput {
  format: string;
  parsed: ParseResult;
}

/** What became of one input of many: its summary, or why it was rejected whole. */
export type IngestOutcome = IngestSummary | IngestRejection;

/**
 * Many inputs in as few transactions as their kinds allow. Each is parsed on its own, so a malformed
 * one is rejected whole, by name, and the others go on. The findings reports of all of them are
 * written in one transaction, their rollup moves merged (a key that 400 reports move is written
 * once); runtime inputs are written one transaction each, in order, since a snapshot's stops depend
 * on what came before it. Nothing is acknowledged before its transaction commits.
 */
export function ingestInputs(store: Store, inputs: IngestInput[], options: IngestOptions, now: number): Promise<IngestOutcome[]> {
  return ingestRequests(store, inputs.map((input) => ({ input, options })), now);
}

/** The same, each input with its own options (the ingest endpoint's requests, written together). */
export async function ingestRequests(store: Store, requests: { input: IngestInput; options: IngestOptions }[], now: number): Promise<IngestOutcome[]> {
  return applyParsed(store, requests.map(({ input, options }) => ({ name: input.name, options, parse: () => parseDocuments(readJsonDocuments(input.text), options, now) })), now);
}

/**
 * Parses one input away from the store (`imagescope ingest`'s parse worker): its format and results,
 * with its vulnerability details read and the records dropped, so that the results can be copied to
 * the thread that stores them, and its findings' ids derived. A malformed input throws its rejection, named.
 */
export function parseInput(input: IngestInput, options: IngestOptions, now: number, details: VulnerabilityDetailsReader): ParsedInput {
  try {
    const result = parseDocuments(readJsonDocuments(input.text), options, now);
    if (result.parsed.findings) {
      details.read(options.accountId, result.parsed.findings);
      for (const report of result.parsed.findings) report.findingIds = new FindingIds(report.image).packed(report.findings);
    }
    return result;
  } catch (error) {
    throw inFile(input.name, error);
  }
}

/** Inputs parsed by `parseInput`, or rejected, written as `ingestInputs` writes them. */
export function ingestParsed(store: Store, inputs: { name: string; result: ParsedInput | IngestRejection }[], options: IngestOptions, now: number): Promise<IngestOutcome[]> {
  return applyParsed(store, inputs.map(({ name, result }) => ({
    name,
    options,
    parse: () => {
      if (result instanceof IngestRejection) throw result;
      return result;
    },
  })), now);
}

/** One input; a rejection is thrown. */
export async function ingestInput(store: Store, input: IngestInput, options: IngestOptions, now: number): Promise<IngestSummary> {
  return acknowledged(await ingestInputs(store, [input], options, now));
}

/** The same, from JSON documents already in memory (the live feeds build them). */
export async function ingestDocuments(store: Store, name: string, documents: JsonDocument[], options: IngestOptions, now: number): Promise<IngestSummary> {
  return acknowledged(await applyParsed(store, [{ name, options, parse: () => parseDocuments(documents, options, now) }], now));
}

function acknowledged([outcome]: IngestOutcome[]): IngestSummary {
  if (outcome instanceof IngestRejection) throw outcome;
  return outcome!;
}

function parseDocuments(documents: JsonDocument[], options: IngestOptions, now: number): ParsedInput {
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

interface PendingInput {
  name: string;
  options: IngestOptions;
  /** Throws an IngestRejection for a malformed input. */
  parse(): ParsedInput;
}

/**
 * Parses each input (a rejection names it, and nothing of it is written) and writes the results:
 * runtime inputs one transaction each, in order; the findings of every input of one account in one
 * transaction.
 */
async function applyParsed(store: Store, inputs: PendingInput[], now: number): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = [];
  const findings = new Map<string, { at: number; summary: SummaryBuilder; batch: FindingsBatch }[]>();
  const failures: { accountId: string; at: number; summary: SummaryBuilder; failures: ScanFailure[] }[] = [];
  const details = new VulnerabilityDetailsReader(store);
  for (const input of inputs) {
    const { accountId, imageBuildVersionArn, imagePipelineArn } = input.options;
    try {
      const { format, parsed } = await rejectionsNamed(input.name, async () => input.parse());
      const summary = new SummaryBuilder(input.name, format);
      if (parsed.runtime) {
        outcomes.push(summary.done(await store.applyRuntime(accountId, summary.runtimeOf([parsed]), now)));
        continue;
      }
      summary.saw(parsed);
      if (parsed.findings) {
        details.read(accountId, parsed.findings);
        const ofAccount = findings.get(accountId) ?? [];
        ofAccount.push({ at: outcomes.length, summary, batch: { reports: parsed.findings, imageBuildVersionArn, imagePipelineArn } });
        findings.set(accountId, ofAccount);
      }
      if (parsed.scanFailures?.length) failures.push({ accountId, at: outcomes.length, summary, failures: parsed.scanFailures });
      outcomes.push(summary.done({}));
    } catch (error) {
      if (!(error instanceof IngestRejection)) throw error;
      outcomes.push(error);
    }
  }
  for (const [accountId, ofAccount] of findings) {
    const written = await store.applyFindings(accountId, ofAccount.map((f) => f.batch), now);
    ofAccount.forEach(({ at, summary }, i) => {
      outcomes[at] = summary.done({ applied: written[i]!.reportsApplied, unchanged: written[i]!.reportsUnchanged, findings: written[i]!.findingsStored });
    });
  }
  details.stored();
  // A failed scan is recorded after the findings: it never removes them, and an input holds one or the other.
  for (const { accountId, at, summary, failures: ofInput } of failures) {
    const applied = await store.applyScanFailures(accountId, ofInput, now);
    const findingsOf = outcomes[at] as IngestSummary;
    outcomes[at] = summary.done({ applied: findingsOf.applied + applied, unchanged: findingsOf.unchanged + ofInput.length - applied, findings: findingsOf.findings });
  }
  return outcomes;
}

async function rejectionsNamed<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw inFile(name, error);
  }
}

/** A rejection, named by its input; anything else as it was. */
function inFile(name: string, error: unknown): unknown {
  return error instanceof IngestRejection ? error.inFile(name) : error;
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
