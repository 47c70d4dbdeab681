// The request pipeline, top-down: route -> deserialize -> validate -> invoke -> serialize, with a
// three-tier error funnel (modelled AWS error, unknown route, unexpected failure -> the service's
// 500 with a request id; the cause is logged, never sent).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { AwsError, UnknownOperationException, type WireResponse } from './errors.ts';
import type { OperationContext, OperationDefinition, ServerSettings } from './operation.ts';
import { routeOf } from './operations.ts';
import { PaginationTokenError, type PaginationTokens } from './pagination-token.ts';
import { identifyRequest } from './request-identity.ts';
import { validateInput } from './validate.ts';
import type { Store } from '../store/store.ts';

export interface WireRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface PipelineDependencies {
  store: Store;
  tokens: PaginationTokens;
  settings: ServerSettings;
  logger: Logger;
  now: () => number;
}

export async function handleAwsRequest(request: WireRequest, deps: PipelineDependencies): Promise<WireResponse> {
  const requestId = randomUUID();
  const operation = routeOf(request.method, request.path);
  if (!operation) return new UnknownOperationException(request.method, request.path).render(requestId);
  try {
    const input = deserialize(operation, request.body);
    const identity = identifyRequest(header(request, 'authorization'), deps.settings);
    const context: OperationContext = { requestId, ...identity, now: deps.now(), store: deps.store, tokens: deps.tokens, settings: deps.settings };
    const output = await operation.handle(input, context);
    const statusCode = operation.service.model.operations[operation.name].http.responseCode ?? 200;
    return { statusCode, headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId }, body: JSON.stringify(output) };
  } catch (error) {
    if (error instanceof AwsError) return error.render(requestId);
    if (error instanceof PaginationTokenError) return operation.service.invalidPaginationToken(error.message).render(requestId);
    deps.logger.error({ err: error, requestId, operation: operation.name }, 'unexpected failure');
    return operation.service.internalError(requestId).render(requestId);
  }
}

function deserialize(operation: OperationDefinition, body: Buffer): unknown {
  const { model } = operation.service;
  const inputShape = model.operations[operation.name].input;
  const text = body.toString('utf8').trim();
  let input: unknown = {};
  if (text) {
    try {
      input = JSON.parse(text);
    } catch (error) {
      throw operation.service.invalidInput([], `Unable to parse the request body as JSON: ${(error as Error).message}`);
    }
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw operation.service.invalidInput([], 'The request body must be a JSON object.');
  }
  const violations = validateInput(model, inputShape, input);
  if (violations.length > 0) throw operation.service.invalidInput(violations, undefined);
  return input;
}

function header(request: WireRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
