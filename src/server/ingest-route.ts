// The HTTP ingest endpoint, outside the AWS URL space: POST /_imagescope/ingest with the raw file as
// the body and the CLI's ingest options as query parameters. `imagescope ingest --endpoint` uses it.
// With --auth sigv4 it takes a SigV4 signature (service `imagescope`) or an ingest token header from
// a key whose role may ingest, and the key decides the account.
import { timingSafeEqual } from 'node:crypto';
import type { IngestBatcher } from '../ingest/ingest-batcher.ts';
import { ingestSigningService, ingestTokenHeader, optionalParameters } from '../ingest/ingest-endpoint.ts';
import type { IngestSummary } from '../ingest/ingest-input.ts';
import { checkIngestOptions, InvalidIngestOptions, type IngestOptions } from '../ingest/ingest-options.ts';
import { IngestRejection } from '../ingest/ingest-rejection.ts';
import { decodeUtf8 } from '../domain/utf8.ts';
import { roleAllows } from '../protocol/access-keys.ts';
import type { CachedAccessKeys } from '../protocol/access-key-cache.ts';
import { UnrecognizedClientException } from '../protocol/auth-errors.ts';
import { authenticate, type AuthMode, type Caller } from '../protocol/authenticate.ts';
import { AwsError } from '../protocol/errors.ts';
import type { ServerSettings } from '../protocol/operation.ts';
import type { SignedRequest } from '../protocol/sigv4-verifier.ts';
import type { Store } from '../store/store.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';

type IngestError = { error: string; message: string; file?: string; path?: string; reason?: string };

export interface IngestReply {
  statusCode: number;
  retryAfterSeconds?: number;
  body: IngestSummary | IngestError;
}

export interface IngestDependencies {
  store: Store;
  keys: CachedAccessKeys;
  /** Writes the requests that arrive together in one transaction. */
  ingests: IngestBatcher;
  settings: ServerSettings;
  authMode: AuthMode;
  now: () => number;
}

export async function handleIngest(request: SignedRequest, query: Record<string, string | undefined>, deps: IngestDependencies): Promise<IngestReply> {
  const name = query.name ?? 'request body';
  try {
    const caller = await ingestCaller(request, deps);
    if (query.accountId !== undefined && deps.authMode === 'sigv4' && query.accountId !== caller.accountId) {
      return denied(`the key belongs to account ${caller.accountId}, not ${query.accountId}`);
    }
    if (!roleAllows(caller.role, 'ingest')) return denied(`an access key with role '${caller.role}' may not ingest`);
    const options: IngestOptions = checkIngestOptions({
      format: (query.format ?? 'auto') as IngestOptions['format'],
      accountId: deps.authMode === 'sigv4' ? caller.accountId : (query.accountId ?? deps.settings.defaultAccountId),
      ...Object.fromEntries(optionalParameters.map((key) => [key, query[key]])),
    });
    const text = decodeUtf8(request.body);
    if (text === undefined) throw new IngestRejection('$', 'not valid UTF-8', name);
    const outcome = await deps.ingests.submit({ name, text }, options);
    if (outcome instanceof IngestRejection) throw outcome;
    return { statusCode: 200, body: outcome };
  } catch (error) {
    if (error instanceof AwsError) return { statusCode: error.statusCode, body: { error: error.errorType, message: error.message } };
    if (error instanceof IngestRejection) {
      return { statusCode: 400, body: { error: 'IngestRejected', message: error.message, file: error.file, path: error.path, reason: error.reason } };
    }
    if (error instanceof InvalidIngestOptions) return { statusCode: 400, body: { error: 'InvalidIngestOptions', message: error.message } };
    // Nothing was written (the transaction did not commit): the client may send the same file again.
    if (isStoreUnavailable(error)) return { statusCode: 503, retryAfterSeconds: 1, body: { error: 'ServiceUnavailableException', message: 'The database is unavailable or busy; nothing was stored. Retry later.' } };
    throw error;
  }
}

function denied(message: string): IngestReply {
  return { statusCode: 403, body: { error: 'AccessDeniedException', message } };
}

async function ingestCaller(request: SignedRequest, deps: IngestDependencies): Promise<Caller> {
  const token = request.headers[ingestTokenHeader];
  const findKey = (accessKeyId: string) => deps.keys.find(accessKeyId, deps.store.changeStamp());
  if (deps.authMode === 'sigv4' && typeof token === 'string') {
    const [accessKeyId, secret] = token.split(':');
    const key = accessKeyId && secret ? await findKey(accessKeyId) : undefined;
    const valid = key && key.revoked_at === null && secret.length === key.secret_access_key.length && timingSafeEqual(Buffer.from(secret), Buffer.from(key.secret_access_key));
    if (!valid) throw new UnrecognizedClientException('The ingest token is invalid.');
    return { accountId: key.account_id, region: deps.settings.defaultRegion, role: key.role };
  }
  return authenticate(deps.authMode, request, ingestSigningService, { findKey, settings: deps.settings, now: deps.now() });
}
