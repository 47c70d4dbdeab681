// Who is calling. `none`: anyone; the account is the access key id when it is 12 digits, else the
// default account. `sigv4`: the signature is verified against the keys in the store, and the key
// decides the account and role.
import type { AccessKeyRow, AccessRole } from '../store/store.ts';
import type { ServerSettings } from './operation.ts';
import { identifyRequest } from './request-identity.ts';
import { verifySigV4, type SignedRequest } from './sigv4-verifier.ts';

export type AuthMode = 'none' | 'sigv4';

export interface Caller {
  accountId: string;
  region: string;
  role: AccessRole;
}

export async function authenticate(mode: AuthMode, request: SignedRequest, service: string, deps: { findKey: (accessKeyId: string) => Promise<AccessKeyRow | undefined>; settings: ServerSettings; now: number }): Promise<Caller> {
  if (mode === 'none') {
    const authorization = request.headers.authorization;
    return { ...identifyRequest(Array.isArray(authorization) ? authorization[0] : authorization, deps.settings), role: 'admin' };
  }
  const { key, region } = await verifySigV4(request, service, deps.findKey, deps.now);
  return { accountId: key.account_id, region, role: key.role };
}
