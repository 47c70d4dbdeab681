// Paging of the console's lists that are ordered in memory (from the per-image rollups): a page starts
// after the position the cursor carries (the last row's sort key), so rows that move between pages are
// neither repeated nor skipped by their key, and the next cursor is the last row's key.
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
}

/** Puts the rows in the list's order. */
export function sortRows<T>(rows: T[], list: Pick<PagedList<T>, 'sortKey'>): T[] {
  const keyed = rows.map((row) => ({ row, key: list.sortKey(row) }));
  keyed.sort((a, b) => compareFields(a.key, b.key));
  return keyed.map((k) => k.row);
}

/** A page of `sorted` (filtered and in the list's order) after the request's cursor; `limit` rows. */
export function listPage<T>(request: ConsoleRequest, cursors: ConsoleCursors, sorted: T[], list: PagedList<T>, limit: number, exportAll = false): ListPage<T> {
  const after = exportAll ? undefined : cursors.open(list.view, request.accountId, list.filter, request.query.cursor, request.now);
  if (after !== undefined && !isTuple(after, list.keyShape)) throw new ConsoleInputError('cursor', 'The cursor is not valid.');
  const start = after === undefined ? 0 : firstAfter(sorted, (row) => compareFields(after as SortKey, list.sortKey(row)) < 0);
  const rows = sorted.slice(start, start + limit);
  const last = rows.at(-1);
  const more = start + limit < sorted.length;
  return { rows, total: sorted.length, limit, nextCursor: more && last ? cursors.seal(list.view, request.accountId, list.filter, list.sortKey(last), request.now) : undefined };
}

/** The first index whose row satisfies `after` (rows are sorted, so a binary search). */
function firstAfter<T>(rows: T[], after: (row: T) => boolean): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (after(rows[mid]!)) high = mid;
    else low = mid + 1;
  }
  return low;
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
