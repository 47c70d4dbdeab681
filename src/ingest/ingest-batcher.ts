// Group commit for the ingest endpoint. Requests that arrive while a write is in progress wait and
// are written together in the next one, their findings in one transaction with their rollup moves
// merged; each request is answered with its own outcome once that transaction has committed, so an
// acknowledged file is durable. Under load this turns many small transactions (each one fsync and
// one write of every rollup key it moves) into few large ones; a request alone waits only the few
// milliseconds a batch gives others to join it.
import { ingestRequests, type IngestInput, type IngestOutcome } from './ingest-input.ts';
import type { IngestOptions } from './ingest-options.ts';
import type { Store } from '../store/store.ts';

interface Waiting {
  input: IngestInput;
  options: IngestOptions;
  settle(outcome: Promise<IngestOutcome>): void;
}

export class IngestBatcher {
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    /** A batch takes requests up to this many bytes of input (the first one whatever its size). */
    private readonly batchBytes = 64 * 1024 * 1024,
    /** How long a batch waits for more requests before it is written. */
    private readonly lingerMs = 5,
  ) {}

  /** The input's outcome once written; rejects, as the write did, when the store fails. */
  submit(input: IngestInput, options: IngestOptions): Promise<IngestOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ input, options, settle: (outcome) => outcome.then(resolve, reject) });
      void this.writeWaiting();
    });
  }

  private async writeWaiting(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        // A SQLite write never yields to the event loop, so requests that arrived during it have not
        // been read yet: give them a moment to join the batch.
        await new Promise((resolve) => setTimeout(resolve, this.lingerMs));
        const batch = this.take();
        const written = ingestRequests(this.store, batch, this.now());
        batch.forEach((request, i) => request.settle(written.then((outcomes) => outcomes[i]!)));
        await written.catch(() => undefined);
      }
    } finally {
      this.writing = false;
    }
  }

  private take(): Waiting[] {
    let bytes = 0;
    let count = 0;
    while (count < this.waiting.length && (count === 0 || bytes + this.waiting[count]!.input.text.length <= this.batchBytes)) {
      bytes += this.waiting[count]!.input.text.length;
      count++;
    }
    return this.waiting.splice(0, count);
  }
}
