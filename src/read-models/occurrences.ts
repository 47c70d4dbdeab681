// The account's open findings in the narrow form Inspector2's aggregations group (by package, by
// title, by layer): per image, typed arrays of interned vulnerability ids and package names with each
// finding's severity, fix and layer. Built beside the fleet and kept the same way: an image's findings
// are read again only when its summary's revision moved (every change of an open finding's severity,
// fix or status moves it), so after an ingest only the images it changed are read; the first read of
// an account reads its open findings at once. What is kept is a copy of rows the database holds.
import type { Store } from '../store/store.ts';
import type { Fleet, FleetReader } from './fleet.ts';
import { Interned, PerAccount } from '../domain/per-account.ts';

export interface ImageOccurrences {
  /** The image summary's revision they were read at. */
  revision: number;
  /** Indexes into Occurrences.vulnerabilityIds. */
  vulnerability: Int32Array;
  /** Indexes into Occurrences.packageNames. */
  package: Int32Array;
  /** Severity rank (0 CRITICAL ... 5 UNTRIAGED). */
  rank: Uint8Array;
  fixable: Uint8Array;
  /** The layer's place in the image's layers; -1 where the scanner names none. */
  layer: Int16Array;
}

export interface Occurrences {
  /** The fleet they were read for. */
  fleet: Fleet;
  byImage: ReadonlyMap<number, ImageOccurrences>;
  vulnerabilityIds: readonly string[];
  packageNames: readonly string[];
}

class AccountOccurrences {
  readonly vulnerabilities = new Interned();
  readonly packages = new Interned();
  byImage = new Map<number, ImageOccurrences>();
  last?: Occurrences;
  exploited?: { fleet: Fleet; ids: Promise<ReadonlySet<string>> };
}

export class OccurrenceReader {
  private readonly accounts = new PerAccount(() => new AccountOccurrences());

  constructor(
    private readonly store: Store,
    private readonly fleets: FleetReader,
  ) {}

  async read(accountId: string): Promise<Occurrences> {
    const fleet = await this.fleets.read(accountId);
    const account = this.accounts.get(accountId);
    if (account.last?.fleet === fleet) return account.last;
    const stale = fleet.images.filter((i) => account.byImage.get(i.imageId)?.revision !== i.vulnerabilities.revision);
    if (stale.length > 0) {
      const all = stale.length > fleet.images.length / 2;
      const rows = await this.store.activeOccurrences(accountId, all ? undefined : stale.map((i) => ({ repository: i.repository, digest: i.digest, imageId: i.imageId })));
      const grouped = new Map<number, typeof rows>();
      for (const row of rows) {
        const imageId = Number(row.image_id);
        if (!grouped.has(imageId)) grouped.set(imageId, []);
        grouped.get(imageId)!.push(row);
      }
      for (const image of all ? fleet.images : stale) account.byImage.set(image.imageId, this.parse(account, image.vulnerabilities.revision, grouped.get(image.imageId) ?? []));
    }
    // Only the fleet's images: the others are gone.
    account.byImage = new Map(fleet.images.map((i) => [i.imageId, account.byImage.get(i.imageId)!]));
    account.last = { fleet, byImage: account.byImage, vulnerabilityIds: account.vulnerabilities.values, packageNames: account.packages.values };
    return account.last;
  }

  /** The vulnerability ids the account's stored details call exploited, read once per fleet. */
  exploited(accountId: string, fleet: Fleet): Promise<ReadonlySet<string>> {
    const account = this.accounts.get(accountId);
    if (account.exploited?.fleet !== fleet) account.exploited = { fleet, ids: this.store.exploitedVulnerabilities(accountId).then((ids) => new Set(ids)) };
    return account.exploited.ids;
  }

  private parse(account: AccountOccurrences, revision: number, rows: Awaited<ReturnType<Store['activeOccurrences']>>): ImageOccurrences {
    const parsed: ImageOccurrences = {
      revision,
      vulnerability: new Int32Array(rows.length),
      package: new Int32Array(rows.length),
      rank: new Uint8Array(rows.length),
      fixable: new Uint8Array(rows.length),
      layer: new Int16Array(rows.length),
    };
    rows.forEach((r, i) => {
      parsed.vulnerability[i] = account.vulnerabilities.index(r.vulnerability_id);
      parsed.package[i] = account.packages.index(r.package_name);
      parsed.rank[i] = Number(r.severity_rank);
      parsed.fixable[i] = Number(r.fixable);
      parsed.layer[i] = r.layer_index === null ? -1 : Number(r.layer_index);
    });
    return parsed;
  }
}
