/** A whole input rejected: where in it (JSON path) and why. The file name is added by the caller. */
export class IngestRejection extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}${path}: ${reason}`);
    this.name = 'IngestRejection';
  }

  inFile(file: string): IngestRejection {
    return new IngestRejection(this.path, this.reason, file);
  }
}
