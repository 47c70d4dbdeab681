// SHA-256 and HMAC-SHA-256 from node:crypto behind the Checksum interface @smithy/signature-v4 takes.
// Verifying a signature hashes the body and runs five HMACs per request; node's native hash is many
// times faster than the portable JavaScript one (see BENCHMARKS.md).
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export class NodeSha256 {
  private hash!: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.reset();
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
}
