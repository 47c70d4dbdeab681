// Paging of the console's lists that are ordered in memory (from the per-image rollups): a page starts
// after the position the cursor carries (the last row's sort key), so rows that move between pages are
// neither repeated nor skipped by their key, and the next cursor is the last row's key. A page takes
// its rows by selection (cost: one pass), never by sorting the whole list.
import type { ConsoleCursors } from './console-cursor.ts';
import { ConsoleInputError, type ConsoleRequest } from './console-request.ts';

export interface ListPage<T> {
  rows: T[];
  /** Rows matching the filter, on every page. */
  total: number;
  limit: number;
  nextCursor?: string;
}

export type SortKey = (number | string)[];

export interface PagedList<T> {
  view: string;
  /** What the cursor is bound to besides the account: the filter. */
  filter: unknown;
  /** The row's place in the list's order, compared field by field (descending fields negated); a cursor carries it. */
  sortKey(row: T): SortKey;
  /** The types of the key's fields. */
  keyShape: ('number' | 'string')[];
  /** The same order as sortKey's, without building keys (faster where a list has one). */
  compare?: (a: T, b: T) => number;
}

/** The rows in the list's order (a new array). */
function sortRows<T>(rows: T[], list: Pick<PagedList<T>, 'sortKey' | 'compare'>): T[] {
  if (list.compare) return [...rows].sort(list.compare);
  const keyed = rows.map((row) => ({ row, key: list.sortKey(row) }));
  keyed.sort((a, b) => compareFields(a.key, b.key));
  return keyed.map((k) => k.row);
}

/** The first `count` rows in the order `compare` gives, without sorting the rest. */
export function firstRows<T>(rows: Iterable<T>, compare: (a: T, b: T) => number, count: number): T[] {
  const best: T[] = [];
  for (const row of rows) {
    if (best.length === count && compare(row, best[count - 1]!) >= 0) continue;
    let at = best.length === count ? count - 1 : best.length;
    while (at > 0 && compare(row, best[at - 1]!) < 0) at--;
    best.splice(at, 0, row);
    if (best.length > count) best.pop();
  }
  return best;
}

/**
 * A page of `rows` (filtered, in any order) after the request's cursor, in the list's order; `limit`
 * rows. A page picks its rows without sorting the others; an export sorts them all.
 */
export function listPage<T>(request: ConsoleRequest, cursors: ConsoleCursors, rows: T[], list: PagedList<T>, limit: number, exportAll = false): ListPage<T> {
  const after = exportAll ? undefined : cursors.open(list.view, request.accountId, list.filter, request.query.cursor, request.now);
  if (after !== undefined && !isTuple(after, list.keyShape)) throw new ConsoleInputError('cursor', 'The cursor is not valid.');
  const compare = list.compare ?? ((a: T, b: T) => compareFields(list.sortKey(a), list.sortKey(b)));
  const following = after === undefined ? rows : rows.filter((row) => compareFields(after as SortKey, list.sortKey(row)) < 0);
  const picked = exportAll ? sortRows(following, list) : firstRows(following, compare, limit + 1);
  const page = picked.slice(0, limit);
  const last = page.at(-1);
  const more = following.length > limit;
  return { rows: page, total: rows.length, limit, nextCursor: more && last !== undefined ? cursors.seal(list.view, request.accountId, list.filter, list.sortKey(last), request.now) : undefined };
}

/** Compares numbers and strings field by field: the shared shape of the lists' orders. */
export function compareFields(a: SortKey, b: SortKey): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

function isTuple(value: unknown, shape: ('number' | 'string')[]): boolean {
  return Array.isArray(value) && value.length === shape.length && value.every((v, i) => typeof v === shape[i]);
}
