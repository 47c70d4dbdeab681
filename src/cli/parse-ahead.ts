// `imagescope ingest --db` reads and parses its files on a second thread while the main thread stores
// the groups before: reading, JSON parsing and reading the vulnerability details are about two thirds
// as much work as storing the findings, and one thread did both in turn (BENCHMARKS.md). The worker
// sends each group's parse results as plain data (copied between the threads: a few percent of the
// work saved) and parses ahead by at most `groupsAhead` groups, so that the main thread never waits
// once the first group is in, and memory holds at most that many groups more.
import { Worker } from 'node:worker_threads';
import type { IngestOptions } from '../ingest/ingest-options.ts';
import { IngestRejection } from '../ingest/ingest-rejection.ts';
import type { ParsedInput } from '../ingest/ingest-input.ts';

/** A file to read, or the bytes of an input already read (stdin). */
export interface NamedInput {
  name: string;
  bytes?: Uint8Array;
}

export interface ParseWorkerData {
  inputs: NamedInput[];
  options: IngestOptions;
}

/** Lets the worker parse `groups` more groups. */
export interface ParseRequest {
  groups: number;
}

export type ParsedEntry = { name: string; result: ParsedInput } | { name: string; rejection: { path: string; reason: string } };

export interface ParsedGroup {
  /** When the group's parse began: the ingest time of its inputs. */
  now: number;
  entries: ParsedEntry[];
  /** The last group. */
  done: boolean;
}

/**
 * Files share a group (and a transaction) up to this many bytes of input (and their parsed reports, in
 * memory). The first groups are smaller, each half again the one before, so that the main thread
 * starts storing soon instead of waiting for a whole group to be parsed (doubling outran the worker:
 * the main thread then waited for each next group).
 */
export function groupBytes(group: number): number {
  return Math.min(64, 4 * 1.5 ** group) * 1024 * 1024;
}

const groupsAhead = 2;

// In the build, every module is in dist/ beside the worker's own entry file.
const workerFile = new URL(import.meta.url.endsWith('.ts') ? './parse-worker.ts' : './parse-worker.js', import.meta.url);

/** The inputs, parsed a group at a time on the worker, with the time they were parsed at. */
export async function* parsedGroups(data: ParseWorkerData): AsyncGenerator<{ now: number; inputs: { name: string; result: ParsedInput | IngestRejection }[] }> {
  const worker = new Worker(workerFile, { workerData: data });
  const groups = new MessageQueue<ParsedGroup>(worker);
  try {
    worker.postMessage({ groups: groupsAhead } satisfies ParseRequest);
    for (;;) {
      const group = await groups.next();
      if (!group.done) worker.postMessage({ groups: 1 } satisfies ParseRequest);
      yield {
        now: group.now,
        inputs: group.entries.map((e) => ({ name: e.name, result: 'rejection' in e ? new IngestRejection(e.rejection.path, e.rejection.reason, e.name) : e.result })),
      };
      if (group.done) return;
    }
  } finally {
    await worker.terminate();
  }
}

/** A worker's messages in order, kept until asked for; its failure or early exit ends the wait. */
class MessageQueue<T> {
  private readonly arrived: T[] = [];
  private waiting?: { resolve(message: T): void; reject(error: Error): void };
  private failure?: Error;

  constructor(worker: Worker) {
    worker.on('message', (message: T) => {
      if (this.waiting) this.settle().resolve(message);
      else this.arrived.push(message);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the parse worker stopped (exit code ${code})`)));
  }

  next(): Promise<T> {
    if (this.arrived.length > 0) return Promise.resolve(this.arrived.shift()!);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    if (this.waiting) this.settle().reject(this.failure);
  }

  private settle() {
    const waiting = this.waiting!;
    this.waiting = undefined;
    return waiting;
  }
}
