// SigV4 verification by re-signing: the request's signed headers, body hash, date, region and service
// and the stored secret give the signature the request should carry (sigv4-signature.ts, from
// @smithy/signature-v4's pieces), compared in constant time with the one the client sent.
// crypto.hash: one call, no Hash object (Node >= 20.12).
import { hash, timingSafeEqual } from 'node:crypto';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
  signatureMismatchMessage,
} from './auth-errors.ts';
import type { AccessKeyRow } from '../store/store.ts';

// Loaded on the first signed request: a server with --auth none never needs @smithy's signer, which
// would otherwise be a sixth of an idle server's memory.
let signatureModule: typeof import('./sigv4-signature.ts') | undefined;

/** AWS accepts signatures up to 15 minutes away from its clock, either way. */
export const clockSkewMs = 15 * 60 * 1000;

const authorizationPattern = /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;._-]+), ?Signature=([a-f0-9]{64})$/;

export interface SignedRequest {
  method: string;
  /** Path as received (still percent-encoded), without the query. */
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface VerifiedCaller {
  key: AccessKeyRow;
  region: string;
}

function header(request: SignedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function amzDate(value: string | undefined): number | undefined {
  const m = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null;
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

/** Query parameters as SigV4 canonicalises them: repeated names keep every value. */
function queryOf(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    const seen = out[name];
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export async function verifySigV4(
  request: SignedRequest,
  expectedService: string,
  findKey: (accessKeyId: string) => Promise<AccessKeyRow | undefined>,
  now: number,
): Promise<VerifiedCaller> {
  const authorization = header(request, 'authorization');
  if (!authorization) throw new MissingAuthenticationTokenException();
  const match = authorizationPattern.exec(authorization.trim());
  if (!match) {
    throw new IncompleteSignatureException(
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters of AWS4-HMAC-SHA256. Authorization=${authorization.split(' ')[0]}`,
    );
  }
  const [, accessKeyId, scopeDate, region, service, signedHeaderList, signature] = match;
  if (header(request, 'x-amz-security-token') !== undefined) {
    throw new UnrecognizedClientException('The security token included in the request is invalid. imagescope does not accept session tokens (X-Amz-Security-Token); sign with an access key from `imagescope keys create`.');
  }
  const key = await findKey(accessKeyId);
  if (!key || key.revoked_at !== null) throw new UnrecognizedClientException();
  const dateHeader = header(request, 'x-amz-date');
  const signedAt = amzDate(dateHeader);
  if (signedAt === undefined) throw new IncompleteSignatureException('Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.');
  if (signedAt < now - clockSkewMs) {
    throw new InvalidSignatureException(`Signature expired: ${dateHeader} is now earlier than ${iso(now - clockSkewMs)} (${iso(now)} - 15 min.)`);
  }
  if (signedAt > now + clockSkewMs) {
    throw new InvalidSignatureException(`Signature not yet current: ${dateHeader} is still later than ${iso(now + clockSkewMs)} (${iso(now)} + 15 min.)`);
  }
  if (scopeDate !== dateHeader!.slice(0, 8)) throw new InvalidSignatureException(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${dateHeader!.slice(0, 8)}'`);
  if (service !== expectedService) throw new InvalidSignatureException(`Credential should be scoped to correct service: '${expectedService}'.`);
  if (!/^[a-z]{2}(-[a-z0-9]+)+-\d+$/.test(region)) throw new InvalidSignatureException(`Credential should be scoped to a valid region, not '${region}'.`);
  const signedNames = signedHeaderList.split(';');
  if (!signedNames.includes('host')) throw new InvalidSignatureException("'Host' must be a signed header.");
  const bodyHash = hash('sha256', request.body, 'hex');
  const declaredHash = header(request, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== bodyHash) throw new InvalidSignatureException(signatureMismatchMessage);
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    const value = header(request, name);
    if (value === undefined) throw new InvalidSignatureException(signatureMismatchMessage);
    headers[name] = value;
  }
  const { expectedSignature } = (signatureModule ??= await import('./sigv4-signature.ts'));
  const expected = await expectedSignature({
    method: request.method,
    path: request.path,
    query: request.query ? queryOf(request.query) : {},
    headers,
    payloadHash: bodyHash,
    longDate: dateHeader!,
    region,
    service,
    accessKeyId,
    secretAccessKey: key.secret_access_key,
  });
  if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    throw new InvalidSignatureException(signatureMismatchMessage);
  }
  return { key, region };
}
