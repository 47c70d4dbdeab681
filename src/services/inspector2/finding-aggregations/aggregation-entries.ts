// What every ListFindingAggregations type shares: a group's severity counts as the model's
// SeverityCounts, the request filters of a type as a table (StringFilter, DateFilter, NumberFilter on
// a group's values, with AWS's matching rules), and the order and keyset position of a listing.
import { inRanges, matchesText, rangeOfFilter, type TextCriterion } from '../../../domain/finding-criteria.ts';
import type { Severity } from '../../../domain/severity.ts';
import type { Fleet } from '../../../read-models/fleet.ts';
import type { Occurrences } from '../../../read-models/occurrences.ts';

export interface SeverityCounts {
  all: number;
  critical: number;
  high: number;
  medium: number;
  low: number;
  informational: number;
  untriaged: number;
}

/** Counts by severity rank (0 CRITICAL ... 5 UNTRIAGED), as the occurrences keep it. */
export type RankCounts = Float64Array;

export const rankCounts = (): RankCounts => new Float64Array(6);

export function severityCounts(ranks: RankCounts): SeverityCounts {
  return { all: ranks.reduce((a, b) => a + b, 0), critical: ranks[0]!, high: ranks[1]!, medium: ranks[2]!, low: ranks[3]!, informational: ranks[4]!, untriaged: ranks[5]! };
}

export function imageCounts(counts: Record<Severity, number>): RankCounts {
  return Float64Array.of(counts.CRITICAL, counts.HIGH, counts.MEDIUM, counts.LOW, counts.INFORMATIONAL, counts.UNTRIAGED);
}

/** One group of an aggregation: its key (unique within the type), its counts, and the values its filters read. */
export interface AggregationEntry {
  key: string;
  counts: SeverityCounts;
  /** REPOSITORY's AFFECTED_IMAGES. */
  affectedImages?: number;
  /** The values the type's filters match, by request member. */
  values: Record<string, string | string[] | number | undefined>;
  /** The model's response structure for this group. */
  response: object;
}

/** What the entries are read from: the account's fleet, and its occurrences and exploited ids where a type counts them. */
export interface AggregationSource {
  fleet: Fleet;
  occurrences?: Occurrences;
  exploited?: ReadonlySet<string>;
}

/** A list of StringFilter, DateFilter or NumberFilter; or `one`: a single enum value the group's must equal (resourceType, findingType). */
export type FilterKind = 'text' | 'date' | 'number' | 'one';

export type StringFilter = TextCriterion;
export type DateFilter = { startInclusive?: number; endInclusive?: number };
export type NumberFilter = { lowerInclusive?: number; upperInclusive?: number };

/** A type of aggregation: how its groups are built and which request members filter them. */
export interface AggregationKind {
  /** The member of aggregationRequest and of each response (`awsEcrContainerAggregation`). */
  member: string;
  /** Needs the account's occurrences and exploited ids (false: the fleet's image summaries suffice, and the source has only the fleet). */
  countsOccurrences: boolean;
  /** Request members that filter, and the kind of filter each is. */
  filters: Record<string, FilterKind>;
  /** The type's groups in the order asked (built once per change of the account, and kept). */
  sorted(source: AggregationSource, sortBy: string, descending: boolean): SortedGroups;
}

/** A type's groups in a listing's order, read by position: a large type builds a group's entry only when a page reads it. */
export interface SortedGroups {
  readonly length: number;
  entry(position: number): AggregationEntry;
  /** The position's sort value and key. */
  at(position: number): AggregationCursor;
}

/** The sorted groups of a type whose entries are few enough to build at once (images, repositories, packages, layers). */
export function sortingEntries(entries: (source: AggregationSource) => AggregationEntry[]): AggregationKind['sorted'] {
  return (source, sortBy, descending) => {
    const sorted = entries(source).map((entry) => ({ at: { value: sortValue(entry, sortBy), key: entry.key }, entry })).sort((a, b) => compareAt(a.at, b.at, descending));
    return { length: sorted.length, entry: (i) => sorted[i]!.entry, at: (i) => sorted[i]!.at };
  };
}

/** The position of the first group after the cursor (the cursor's own group may have moved or gone since). */
export function firstAfter(groups: SortedGroups, after: AggregationCursor, descending: boolean): number {
  let low = 0;
  let high = groups.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareAt(groups.at(middle), after, descending) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Whether an entry passes the request's filters (fields AND'd; entries of a field as AWS documents). */
export function passes(entry: AggregationEntry, kind: AggregationKind, request: Record<string, unknown>): boolean {
  for (const [member, filterKind] of Object.entries(kind.filters)) {
    const given = request[member] as unknown[] | string | undefined;
    const value = entry.values[member];
    if (filterKind === 'one') {
      if (given !== undefined && given !== value) return false;
      continue;
    }
    if (!Array.isArray(given) || given.length === 0) continue;
    if (filterKind === 'text' && !matchesText(value as string | string[] | undefined, given as StringFilter[])) return false;
    if (filterKind !== 'text' && !inRanges(value as number | undefined, (given as (DateFilter & NumberFilter)[]).map((f) => rangeOfFilter(f, filterKind)))) return false;
  }
  return true;
}

/** A listing's position: the sort value and key of the last entry returned. */
export interface AggregationCursor {
  value: number;
  key: string;
}

export function sortValue(entry: AggregationEntry, sortBy: string): number {
  if (sortBy === 'AFFECTED_IMAGES') return entry.affectedImages ?? 0;
  return sortBy === 'HIGH' ? entry.counts.high : sortBy === 'ALL' ? entry.counts.all : entry.counts.critical;
}

/** The order of a listing: by the sort value in the order asked, ties by key, so every position is unique. */
export function compareAt(a: AggregationCursor, b: AggregationCursor, descending: boolean): number {
  if (a.value !== b.value) return descending ? b.value - a.value : a.value - b.value;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export const seconds = (ms: number) => ms / 1000;
