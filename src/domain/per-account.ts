// What is kept in memory per account (the read models, the store's listed images): a bounded set of
// accounts, the least recently read dropped first; and strings interned as small numbers, so that
// per-image lists are typed arrays.

/** Accounts whose read models are kept; the least recently read is dropped beyond this. */
const accountsKept = 16;

export class PerAccount<T> {
  private readonly accounts = new Map<string, T>();

  constructor(private readonly create: () => T) {}

  /** The account's state (new when it was not kept), marked as the most recently read. */
  get(accountId: string): T {
    let state = this.accounts.get(accountId);
    if (state) this.accounts.delete(accountId);
    else state = this.create();
    this.accounts.set(accountId, state);
    if (this.accounts.size > accountsKept) this.accounts.delete(this.accounts.keys().next().value!);
    return state;
  }
}

export class Interned {
  readonly values: string[] = [];
  readonly indexes = new Map<string, number>();

  index(value: string): number {
    let index = this.indexes.get(value);
    if (index === undefined) {
      index = this.values.length;
      this.values.push(value);
      this.indexes.set(value, index);
    }
    return index;
  }
}
