// Access keys: creation (random id and secret), roles and what each role may do.
import { randomBytes } from 'node:crypto';
import type { AccessKeyRow, AccessRole } from '../store/store.ts';

export const roles: AccessRole[] = ['read', 'ingest', 'admin'];

/** What a role may do: `query` the AWS operations, `ingest` data. */
export function roleAllows(role: AccessRole, action: 'query' | 'ingest'): boolean {
  return role === 'admin' || (role === 'read' && action === 'query') || (role === 'ingest' && action === 'ingest');
}

const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A key shaped like AWS's: a 20-character id starting `AKIS` and a 40-character secret. */
export function newAccessKey(accountId: string, role: AccessRole, now: number): AccessKeyRow {
  const idBytes = randomBytes(16);
  const id = `AKIS${[...idBytes].map((b) => base32[b % 32]).join('')}`;
  return {
    account_id: accountId,
    access_key_id: id,
    secret_access_key: randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B'),
    role,
    created_at: now,
    revoked_at: null,
  };
}

/** An ingest token is `<access key id>:<secret>` of an ingest-capable key. */
export function ingestTokenOf(key: AccessKeyRow): string {
  return `${key.access_key_id}:${key.secret_access_key}`;
}
