// Pagination tokens: opaque to clients, sealed with AES-256-GCM (so tampering is detected), bound to
// the operation, account, region and filter they were issued for, and expiring after 24 hours. The
// key lives in the database, so tokens survive restarts and work on every replica.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { paginationLifetimeMs } from '../domain/pagination.ts';

const version = 'v1';

export interface TokenBinding {
  operation: string;
  accountId: string;
  region: string;
  /** The request members that select the result set (not the page size). */
  filter: unknown;
}

interface SealedPayload {
  a: string;
  r: string;
  f: string;
  t: number;
  p: unknown;
}

/** Why a token was refused; each service renders it as its own modelled error. */
export class PaginationTokenError extends Error {}

export function newTokenKey(): string {
  return randomBytes(32).toString('base64');
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value ?? null)).digest('base64url').slice(0, 22);
}

export class PaginationTokens {
  private readonly key: Buffer;

  constructor(key: string) {
    this.key = Buffer.from(key, 'base64');
  }

  seal(binding: TokenBinding, position: unknown, now: number): string {
    const payload: SealedPayload = { a: binding.accountId, r: binding.region, f: digest(binding.filter), t: now, p: position };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(binding.operation));
    const sealed = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return `${version}.${Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The position sealed in `token`, or a PaginationTokenError saying why it cannot be used. */
  open(token: string, binding: TokenBinding, now: number): unknown {
    const payload = this.decrypt(token, binding.operation);
    if (payload.a !== binding.accountId) throw new PaginationTokenError('The nextToken was issued to a different account.');
    if (payload.r !== binding.region) throw new PaginationTokenError('The nextToken was issued in a different region.');
    if (payload.f !== digest(binding.filter)) throw new PaginationTokenError('The nextToken was issued for a different filter; pass the same filter on every page.');
    if (!(now - payload.t < paginationLifetimeMs) || payload.t > now + 5 * 60_000) throw new PaginationTokenError('The nextToken has expired; start again without a nextToken.');
    return payload.p;
  }

  /** The position sealed in `token` when it has the shape an operation's positions have; else a PaginationTokenError. */
  openAs<T>(token: string, binding: TokenBinding, now: number, isPosition: (position: any) => boolean): T {
    const position = this.open(token, binding, now);
    if (position == null || !isPosition(position)) throw new PaginationTokenError('The nextToken is not valid.');
    return position as T;
  }

  private decrypt(token: string, operation: string): SealedPayload {
    const [prefix, body, ...rest] = token.split('.');
    const raw = prefix === version && body && rest.length === 0 ? Buffer.from(body, 'base64url') : Buffer.alloc(0);
    if (raw.length < 12 + 16 + 1) throw new PaginationTokenError('The nextToken is not valid.');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(operation));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as SealedPayload;
    } catch {
      throw new PaginationTokenError('The nextToken is not valid: it was altered, or issued by another server or operation.');
    }
  }
}
