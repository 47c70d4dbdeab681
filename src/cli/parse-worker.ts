// The parse worker of `imagescope ingest --db` (parse-ahead.ts): on each request, reads the next
// group of files and parses them, vulnerability details included, and sends the results back.
import { parentPort, workerData } from 'node:worker_threads';
import { parseInput } from '../ingest/ingest-input.ts';
import { VulnerabilityDetailsReader } from '../ingest/vulnerability-details.ts';
import { readInput, rejection, textOf } from './input-files.ts';
import { groupBytes, type ParsedEntry, type ParsedGroup, type ParseRequest, type ParseWorkerData } from './parse-ahead.ts';

const { inputs, options } = workerData as ParseWorkerData;
// One store is written to, by the thread that asks: this worker's reads are its only ones.
const details = new VulnerabilityDetailsReader({ name: 'imagescope ingest' });
let next = 0;
let groups = 0;

parentPort!.on('message', async ({ now }: ParseRequest) => {
  const entries: ParsedEntry[] = [];
  let bytes = 0;
  const limit = groupBytes(groups++);
  while (next < inputs.length && bytes < limit) {
    const { name, bytes: given } = inputs[next++]!;
    try {
      const text = given ? textOf(name, given) : await readInput(name);
      bytes += text.length;
      entries.push({ name, result: parseInput({ name, text }, options, now, details) });
    } catch (error) {
      const rejected = rejection(error);
      entries.push({ name, rejection: { path: rejected.path, reason: rejected.reason } });
    }
  }
  // The asking thread stores the group or the command fails: either way these are not read again.
  details.stored();
  parentPort!.postMessage({ now, entries, done: next >= inputs.length } satisfies ParsedGroup);
});
