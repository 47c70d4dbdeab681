// A finding's identity. Its id (the last part of its ARN, 32 lowercase hex) is derived from the
// occurrence alone, so every replica, every restart and every re-ingest gives the same occurrence the
// same ARN. The first 12 hex digits come from the image and the other 20 from the occurrence within
// it: an image's findings then sit together in every index ordered by id, so storing a report writes
// a few neighbouring pages instead of one random page per finding (measured: a globally random id in
// an index cost the ingest as much again as the findings table itself).
import { hash } from 'node:crypto';
import type { ImageKey } from './images.ts';

export const findingIdLength = 32;
const imagePartLength = 12;

/** The first part of the ids of every finding of this image. */
export function findingIdPrefix(image: ImageKey): string {
  return hash('sha256', `${image.repository}\n${image.digest}`, 'hex').slice(0, imagePartLength);
}

/** The id of one occurrence (vulnerability, package, installed version) in the image of `prefix`. */
export function findingIdOf(prefix: string, vulnerabilityId: string, packageName: string, packageVersion: string): string {
  return prefix + hash('sha256', `${prefix}\n${vulnerabilityId}\n${packageName}\n${packageVersion}`, 'hex').slice(0, findingIdLength - imagePartLength);
}

/** An id as the 16 bytes it stands for (the store keeps ids so: half the size of their hex). */
export function findingIdBytes(id: string): Buffer {
  return Buffer.from(id, 'hex');
}

/** The ids (as bytes) of an image's findings lie in [low, high]: every id with the image's prefix. */
export function findingIdRange(prefix: string): { low: Buffer; high: Buffer } {
  return { low: Buffer.from(prefix, 'hex'), high: Buffer.from(prefix.padEnd(findingIdLength, 'f'), 'hex') };
}

const repositoryArnPattern = /^arn:([^:]+):ecr:([^:]*):(\d{12}):repository\//;
const findingArnPattern = /^arn:([^:]+):inspector2:([^:]+):(\d{12}):finding\/([a-f0-9]{32})$/;

/**
 * The finding's ARN: the partition, region and account of the image's repository (the account that
 * owns the resource, as Inspector names it), and the id.
 */
export function findingArnOf(repository: string, id: string): string {
  const match = repositoryArnPattern.exec(repository);
  const [partition, region, account] = match ? [match[1], match[2], match[3]] : ['aws', '', '000000000000'];
  return `arn:${partition}:inspector2:${region}:${account}:finding/${id}`;
}

/** Splits a finding ARN; undefined when it is not one. */
export function parseFindingArn(arn: string): { partition: string; region: string; accountId: string; id: string } | undefined {
  const match = findingArnPattern.exec(arn);
  return match ? { partition: match[1], region: match[2], accountId: match[3], id: match[4] } : undefined;
}
