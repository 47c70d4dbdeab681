// What every console view reads through: the store, the account's images as the lists see them
// (fleet.ts), the cursors' sealing, and the retention of stopped use that GetClustersForImage applies.
import type { Store } from '../store/store.ts';
import type { ConsoleCursors } from './console-cursor.ts';
import type { FleetReader } from '../read-models/fleet.ts';
import type { Destination } from '../alerts/alerts-file.ts';

export interface ConsoleDependencies {
  store: Store;
  fleet: FleetReader;
  cursors: ConsoleCursors;
  retentionMs: number;
  /** Coverage: a scan newer than this is current. */
  scanFreshnessMs: number;
  /** The alerts file's destinations; undefined when the server sends no alerts. */
  alertDestinations?: Destination[];
}
