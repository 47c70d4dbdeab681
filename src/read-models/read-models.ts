// The read models the AWS operations and the console share: one fleet per account (fleet.ts) and its
// open findings in the aggregations' form (occurrences.ts), each kept per process and refreshed from
// what changed.
import type { Store } from '../store/store.ts';
import { FleetReader } from './fleet.ts';
import { OccurrenceReader } from './occurrences.ts';

export class ReadModels {
  readonly fleet: FleetReader;
  readonly occurrences: OccurrenceReader;

  constructor(store: Store) {
    this.fleet = new FleetReader(store);
    this.occurrences = new OccurrenceReader(store, this.fleet);
  }
}
