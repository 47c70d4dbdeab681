// A finding's identity. Its id (the last part of its ARN, 32 lowercase hex) is derived from the
// occurrence alone, so every replica, every restart and every re-ingest gives the same occurrence the
// same ARN. The first 12 hex digits come from the image and the other 20 from the occurrence within
// it: an image's findings then sit together in every index ordered by id, so storing a report writes
// a few neighbouring pages instead of one random page per finding (measured: a globally random id in
// an index cost the ingest as much again as the findings table itself).
import { hash } from 'node:crypto';
import type { ImageKey } from './images.ts';

const idBytes = 16;
const imagePartBytes = 6;

/** The ids of one image's findings: 16 bytes each (32 hex in the ARN), the first 6 the image's. */
export class FindingIds {
  /** The first part of every id of the image. */
  readonly prefix: Buffer;
  private readonly prefixHex: string;

  constructor(image: ImageKey) {
    this.prefix = hash('sha256', `${image.repository}\n${image.digest}`, 'buffer').subarray(0, imagePartBytes);
    this.prefixHex = this.prefix.toString('hex');
  }

  /** The id of one occurrence (vulnerability, package, installed version) in the image. */
  of(vulnerabilityId: string, packageName: string, packageVersion: string): Buffer {
    const id = hash('sha256', `${this.prefixHex}\n${vulnerabilityId}\n${packageName}\n${packageVersion}`, 'buffer');
    id.copyWithin(imagePartBytes, 0, idBytes - imagePartBytes);
    this.prefix.copy(id, 0);
    return id.subarray(0, idBytes);
  }

  /** The ids of the findings, 16 bytes each, in their order. */
  packed(findings: { vulnerabilityId: string; packageName: string; packageVersion: string }[]): Uint8Array {
    const packed = new Uint8Array(findings.length * idBytes);
    findings.forEach((f, i) => packed.set(this.of(f.vulnerabilityId, f.packageName, f.packageVersion), i * idBytes));
    return packed;
  }

  /** The `index`th id of `packed` (a view, not a copy). */
  static at(packed: Uint8Array, index: number): Buffer {
    return Buffer.from(packed.buffer, packed.byteOffset + index * idBytes, idBytes);
  }

  /** Every id of the image lies in [low, high]. */
  range(): { low: Buffer; high: Buffer } {
    return { low: this.prefix, high: Buffer.concat([this.prefix, Buffer.alloc(idBytes - imagePartBytes, 0xff)]) };
  }
}

const repositoryArnPattern = /^arn:([^:]+):ecr:([^:]*):(\d{12}):repository\//;
const findingArnPattern = /^arn:([^:]+):inspector2:([^:]+):(\d{12}):finding\/([a-f0-9]{32})$/;

/**
 * The finding's ARN: the partition, region and account of the image's repository (the account that
 * owns the resource, as Inspector names it), and the id in lowercase hex.
 */
export function findingArnOf(repository: string, id: Uint8Array): string {
  const match = repositoryArnPattern.exec(repository);
  const [partition, region, account] = match ? [match[1], match[2], match[3]] : ['aws', '', '000000000000'];
  return `arn:${partition}:inspector2:${region}:${account}:finding/${Buffer.from(id).toString('hex')}`;
}

/** Splits a finding ARN; undefined when it is not one. */
export function parseFindingArn(arn: string): { partition: string; region: string; accountId: string; id: string } | undefined {
  const match = findingArnPattern.exec(arn);
  return match ? { partition: match[1], region: match[2], accountId: match[3], id: match[4] } : undefined;
}
