// The parse worker of `imagescope ingest --db` (parse-ahead.ts): reads and parses the files a group at
// a time, vulnerability details included, and sends each group back, as many groups ahead as asked.
import { parentPort, workerData } from 'node:worker_threads';
import { parseInput } from '../ingest/ingest-input.ts';
import { VulnerabilityDetailsReader } from '../ingest/vulnerability-details.ts';
import { readInput, rejection, textOf } from './input-files.ts';
import { groupBytes, type ParsedEntry, type ParsedGroup, type ParseRequest, type ParseWorkerData } from './parse-ahead.ts';

const { inputs, options } = workerData as ParseWorkerData;
// One store is written to, by the thread that asks: this worker's reads are its only ones.
const details = new VulnerabilityDetailsReader({});
let next = 0;
let groups = 0;
/** Groups the main thread is ready to take. */
let allowed = 0;
let parsing = false;

parentPort!.on('message', ({ groups: more }: ParseRequest) => {
  allowed += more;
  if (!parsing) void parseAhead();
});

async function parseAhead(): Promise<void> {
  parsing = true;
  // No inputs is still one (empty) group, the last.
  while (allowed > 0 && (next < inputs.length || groups === 0)) {
    allowed--;
    parentPort!.postMessage(await parseGroup());
  }
  parsing = false;
}

async function parseGroup(): Promise<ParsedGroup> {
  const now = Date.now();
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
  return { now, entries, done: next >= inputs.length };
}
