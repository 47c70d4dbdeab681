// The HTTP ingest endpoint, outside the AWS URL space: POST /_imagescope/ingest with the raw file as
// the body and the CLI's ingest options as query parameters. `imagescope ingest --endpoint` uses it.
import { ingestInput, type IngestSummary } from '../ingest/ingest-input.ts';
import { checkIngestOptions, InvalidIngestOptions, type IngestOptions } from '../ingest/ingest-options.ts';
import { IngestRejection } from '../ingest/ingest-rejection.ts';
import type { ServerSettings } from '../protocol/operation.ts';
import type { Store } from '../store/store.ts';

export const ingestPath = '/_imagescope/ingest';

/** Query parameters that carry the optional ingest options, named as in IngestOptions. */
export const optionalParameters = ['region', 'clusterArn', 'namespace', 'image', 'imageBuildVersionArn', 'imagePipelineArn'] as const;

export interface IngestReply {
  statusCode: number;
  body: IngestSummary | { error: string; message: string; file?: string; path?: string; reason?: string };
}

export async function handleIngest(
  query: Record<string, string | undefined>,
  body: Buffer,
  deps: { store: Store; settings: ServerSettings; now: () => number },
): Promise<IngestReply> {
  const name = query.name ?? 'request body';
  try {
    const options: IngestOptions = checkIngestOptions({
      format: (query.format ?? 'auto') as IngestOptions['format'],
      accountId: query.accountId ?? deps.settings.defaultAccountId,
      ...Object.fromEntries(optionalParameters.map((key) => [key, query[key]])),
    });
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    return { statusCode: 200, body: await ingestInput(deps.store, { name, text }, options, deps.now()) };
  } catch (error) {
    if (error instanceof IngestRejection) {
      return { statusCode: 400, body: { error: 'IngestRejected', message: error.message, file: error.file, path: error.path, reason: error.reason } };
    }
    if (error instanceof InvalidIngestOptions) return { statusCode: 400, body: { error: 'InvalidIngestOptions', message: error.message } };
    if (error instanceof TypeError && (error as { code?: string }).code === 'ERR_ENCODING_INVALID_DATA') {
      return { statusCode: 400, body: { error: 'IngestRejected', message: `${name}: $: not valid UTF-8`, file: name, path: '$', reason: 'not valid UTF-8' } };
    }
    throw error;
  }
}
