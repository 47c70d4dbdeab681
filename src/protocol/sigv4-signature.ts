// Computes the SigV4 signature a request should carry, from @smithy/signature-v4's own pieces (the
// canonical request of SignatureV4Base, getCanonicalHeaders, createScope, getSigningKey), hashing
// with node:crypto synchronously. Re-signing through SignatureV4.sign() gives the same bytes but
// clones the request and awaits five hashes, which was a third of a verified request's cost; the
// signing key (four HMACs) only changes per key, day, region and service, so it is kept.
import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { createScope, getCanonicalHeaders, getSigningKey, SignatureV4Base } from '@smithy/signature-v4';
import { NodeSha256 } from './node-sha256.ts';

export interface SignatureInput {
  method: string;
  /** As received, still percent-encoded: SigV4 (except for S3) encodes it once more. */
  path: string;
  query: Record<string, string | string[]>;
  /** Only the signed headers, by lower-case name. */
  headers: Record<string, string>;
  /** Hex SHA-256 of the body. */
  payloadHash: string;
  /** X-Amz-Date, `YYYYMMDDTHHMMSSZ`. */
  longDate: string;
  region: string;
  service: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Exposes SignatureV4Base's canonical request, the one place smithy builds it. */
class SmithyCanonicalRequests extends SignatureV4Base {
  constructor() {
    super({ service: 'unused', region: 'unused', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, sha256: NodeSha256, uriEscapePath: true });
  }

  of(input: SignatureInput): string {
    const request = new HttpRequest({ method: input.method, path: input.path, query: input.query, headers: input.headers });
    const signed = new Set(Object.keys(input.headers));
    return this.createCanonicalRequest(request, getCanonicalHeaders(request, undefined, signed), input.payloadHash);
  }
}

const smithy = new SmithyCanonicalRequests();

/**
 * A path of unreserved characters only, without empty or dot segments: SigV4's normalising and
 * double escaping leave it as it is. Every AWS operation path is one.
 */
const plainPath = /^\/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?)?$/;

/** What canonicalising would change; most values have none of it. */
const foldable = /[\r\n\t]|  |^ | $/;

/** A header value as SigV4 canonicalises it: line breaks and runs of blanks become one space, trimmed. */
function canonicalHeaderValue(value: string): string {
  if (!foldable.test(value)) return value;
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/**
 * The canonical request. Requests as AWS clients send them here (a plain path, no query) are built
 * directly, which is several times cheaper than smithy's general builder; any other request goes
 * through smithy's, so both agree on every input (test/sigv4-canonical.test.ts).
 */
export function canonicalRequest(input: SignatureInput): string {
  if (!plainPath.test(input.path) || Object.keys(input.query).length > 0) return smithy.of(input);
  const names = Object.keys(input.headers).sort();
  let headers = '';
  for (const name of names) headers += `${name}:${canonicalHeaderValue(input.headers[name]!)}\n`;
  return `${input.method}\n${input.path}\n\n${headers}\n${names.join(';')}\n${input.payloadHash}`;
}

/** smithy's canonical request for any input (the reference the direct one is tested against). */
export const smithyCanonicalRequest = (input: SignatureInput): string => smithy.of(input);

/** Signing keys by secret and scope; bounded, as the scope date changes daily. */
const signingKeys = new Map<string, KeyObject>();
const maxSigningKeys = 1000;

export async function expectedSignature(input: SignatureInput): Promise<string> {
  const scope = createScope(input.longDate.slice(0, 8), input.region, input.service);
  const keyId = `${input.accessKeyId}\u0000${input.secretAccessKey}\u0000${scope}`;
  let signingKey = signingKeys.get(keyId);
  if (!signingKey) {
    const credentials = { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey };
    // As a KeyObject, so that the HMAC of each request does not import the key again.
    signingKey = createSecretKey(await getSigningKey(NodeSha256, credentials, input.longDate.slice(0, 8), input.region, input.service));
    if (signingKeys.size >= maxSigningKeys) signingKeys.clear();
    signingKeys.set(keyId, signingKey);
  }
  const canonicalRequestHash = hash('sha256', canonicalRequest(input), 'hex');
  const stringToSign = `AWS4-HMAC-SHA256\n${input.longDate}\n${scope}\n${canonicalRequestHash}`;
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}
