// TITLE: one group per account and finding title, which is `{vulnerabilityId} - {package}` as
// ListFindings titles a finding. An account has about as many titles as open findings (a million
// findings made 700,000 titles in the benchmark), so the groups are kept as typed arrays (account,
// vulnerability and package as interned numbers, counts by severity) and a group's entry, with its
// strings, is built only when a page reads it.
import { repositoryParts } from '../../../domain/images.ts';
import { severityCounts, type AggregationCursor, type AggregationEntry, type AggregationKind, type AggregationSource, type SortedGroups } from './aggregation-entries.ts';
import { derivedOnce } from '../../../read-models/fleet.ts';

const ranks = 6;

/** The account's titles, grouped and ordered by key (account, vulnerability id, package: the order of the keys' strings). */
class TitleGroups {
  readonly size: number;
  readonly accounts: string[] = [];
  readonly account: Int32Array;
  readonly vulnerability: Int32Array;
  readonly package: Int32Array;
  /** `ranks` counts per group, by severity rank. */
  readonly counts: Int32Array;
  /** Groups in key order. */
  readonly byKey: Uint32Array;
  /** Each group's place in key order. */
  readonly keyRank: Uint32Array;

  constructor(private readonly source: AggregationSource) {
    const { vulnerabilityIds, packageNames, byImage } = source.occurrences!;
    const accountIndex = new Map<string, number>();
    const groupOf = new Map<number, number>();
    let capacity = 1024;
    let account = new Int32Array(capacity);
    let vulnerability = new Int32Array(capacity);
    let pkg = new Int32Array(capacity);
    let counts = new Int32Array(capacity * ranks);
    let size = 0;
    const width = packageNames.length;
    const height = vulnerabilityIds.length;
    for (const image of source.fleet.images) {
      const found = byImage.get(image.imageId);
      if (!found || found.rank.length === 0) continue;
      const accountId = repositoryParts(image.repository).accountId;
      let a = accountIndex.get(accountId);
      if (a === undefined) accountIndex.set(accountId, (a = this.accounts.push(accountId) - 1));
      for (let i = 0; i < found.rank.length; i++) {
        const key = (a * height + found.vulnerability[i]!) * width + found.package[i]!;
        let g = groupOf.get(key);
        if (g === undefined) {
          if (size === capacity) {
            capacity *= 2;
            [account, vulnerability, pkg, counts] = [grow(account, capacity), grow(vulnerability, capacity), grow(pkg, capacity), grow(counts, capacity * ranks)];
          }
          g = size++;
          groupOf.set(key, g);
          account[g] = a;
          vulnerability[g] = found.vulnerability[i]!;
          pkg[g] = found.package[i]!;
        }
        counts[g * ranks + found.rank[i]!]!++;
      }
    }
    this.size = size;
    [this.account, this.vulnerability, this.package, this.counts] = [account, vulnerability, pkg, counts];
    const [accountOrder, vulnerabilityOrder, packageOrder] = [stringRanks(this.accounts), stringRanks(vulnerabilityIds), stringRanks(packageNames)];
    const keyValue = new Float64Array(size);
    for (let g = 0; g < size; g++) keyValue[g] = (accountOrder[account[g]!]! * height + vulnerabilityOrder[vulnerability[g]!]!) * width + packageOrder[pkg[g]!]!;
    this.byKey = Uint32Array.from({ length: size }, (_, g) => g).sort((x, y) => keyValue[x]! - keyValue[y]!);
    this.keyRank = new Uint32Array(size);
    this.byKey.forEach((g, rank) => (this.keyRank[g] = rank));
  }

  /** The group's sort value for `sortBy`. */
  value(g: number, sortBy: string): number {
    const base = g * ranks;
    if (sortBy === 'HIGH') return this.counts[base + 1]!;
    if (sortBy === 'ALL') return this.counts.subarray(base, base + ranks).reduce((a, b) => a + b, 0);
    return this.counts[base]!;
  }

  key(g: number): string {
    return `${this.accounts[this.account[g]!]}\u0000${this.title(g)}`;
  }

  title(g: number): string {
    const { vulnerabilityIds, packageNames } = this.source.occurrences!;
    return `${vulnerabilityIds[this.vulnerability[g]!]} - ${packageNames[this.package[g]!]}`;
  }

  entry(g: number): AggregationEntry {
    const vulnerabilityId = this.source.occurrences!.vulnerabilityIds[this.vulnerability[g]!]!;
    const text = this.title(g);
    const accountId = this.accounts[this.account[g]!]!;
    const counts = severityCounts(Float64Array.from(this.counts.subarray(g * ranks, (g + 1) * ranks)));
    const values = { titles: text, vulnerabilityIds: vulnerabilityId, resourceType: 'AWS_ECR_CONTAINER_IMAGE', findingType: 'PACKAGE_VULNERABILITY' };
    return { key: `${accountId}\u0000${text}`, counts, values, response: { title: text, vulnerabilityId, accountId, severityCounts: counts } };
  }

  /** The groups by sort value (in the order asked), ties by key: only the order is kept (4 bytes a group). */
  sorted(sortBy: string, descending: boolean): SortedGroups {
    const values = Float64Array.from({ length: this.size }, (_, g) => this.value(g, sortBy));
    const sign = descending ? -1 : 1;
    const order = Uint32Array.from(this.byKey).sort((x, y) => (values[x] !== values[y] ? sign * (values[x]! - values[y]!) : this.keyRank[x]! - this.keyRank[y]!));
    return {
      length: this.size,
      entry: (i) => this.entry(order[i]!),
      at: (i): AggregationCursor => ({ value: this.value(order[i]!, sortBy), key: this.key(order[i]!) }),
    };
  }
}

function grow<T extends Int32Array>(array: T, capacity: number): T {
  const grown = new Int32Array(capacity);
  grown.set(array);
  return grown as T;
}

/** Each string's place in the sorted list of them. */
function stringRanks(values: readonly string[]): Uint32Array {
  const ranked = new Uint32Array(values.length);
  Array.from(values.keys()).sort((x, y) => (values[x]! < values[y]! ? -1 : values[x]! > values[y]! ? 1 : 0)).forEach((index, rank) => (ranked[index] = rank));
  return ranked;
}

export const title: AggregationKind = {
  member: 'titleAggregation',
  countsOccurrences: true,
  filters: { titles: 'text', vulnerabilityIds: 'text', resourceType: 'one', findingType: 'one' },
  sorted: (source, sortBy, descending) => derivedOnce(source.occurrences!, 'titleGroups', () => new TitleGroups(source)).sorted(sortBy, descending),
};
