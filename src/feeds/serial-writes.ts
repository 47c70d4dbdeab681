// Writes run one at a time, in the order they were asked for; one that fails does not stop the next
// (its caller sees the failure). A feed's list and its coalesced events must not overtake each other.
export class SerialWrites {
  private last: Promise<void> = Promise.resolve();

  run<T>(write: () => Promise<T>): Promise<T> {
    const result = this.last.then(write);
    this.last = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
