// Computes the SigV4 signature a request should carry, from @smithy/signature-v4's own pieces (the
// canonical request of SignatureV4Base, getCanonicalHeaders, createScope, getSigningKey), hashing
// with node:crypto synchronously. Re-signing through SignatureV4.sign() gives the same bytes but
// clones the request and awaits five hashes, which was a third of a verified request's cost; the
// signing key (four HMACs) only changes per key, day, region and service, so it is kept.
import { createHash, createHmac } from 'node:crypto';
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
class CanonicalRequests extends SignatureV4Base {
  constructor() {
    super({ service: 'unused', region: 'unused', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, sha256: NodeSha256, uriEscapePath: true });
  }

  of(input: SignatureInput): string {
    const request = new HttpRequest({ method: input.method, path: input.path, query: input.query, headers: input.headers });
    const signed = new Set(Object.keys(input.headers));
    return this.createCanonicalRequest(request, getCanonicalHeaders(request, undefined, signed), input.payloadHash);
  }
}

const canonicalRequests = new CanonicalRequests();
/** Signing keys by secret and scope; bounded, as the scope date changes daily. */
const signingKeys = new Map<string, Buffer>();
const maxSigningKeys = 1000;

export async function expectedSignature(input: SignatureInput): Promise<string> {
  const scope = createScope(input.longDate.slice(0, 8), input.region, input.service);
  const keyId = `${input.accessKeyId}\u0000${input.secretAccessKey}\u0000${scope}`;
  let signingKey = signingKeys.get(keyId);
  if (!signingKey) {
    const credentials = { accessKeyId: input.accessKeyId, secretAccessKey: input.secretAccessKey };
    signingKey = Buffer.from(await getSigningKey(NodeSha256, credentials, input.longDate.slice(0, 8), input.region, input.service));
    if (signingKeys.size >= maxSigningKeys) signingKeys.clear();
    signingKeys.set(keyId, signingKey);
  }
  const canonicalRequestHash = createHash('sha256').update(canonicalRequests.of(input)).digest('hex');
  const stringToSign = `AWS4-HMAC-SHA256\n${input.longDate}\n${scope}\n${canonicalRequestHash}`;
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}
