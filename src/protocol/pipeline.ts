// The request pipeline, top-down: route -> authenticate -> authorise -> throttle -> deserialize ->
// validate -> invoke -> serialize, with an error funnel: a modelled AWS error renders itself; an
// unavailable database becomes the service's retryable error; anything else becomes the service's
// 500 with a request id (the cause is logged, never sent).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ReadModels } from '../read-models/read-models.ts';
import type { Store } from '../store/store.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import type { CachedAccessKeys } from './access-key-cache.ts';
import { roleAllows } from './access-keys.ts';
import type { AnswerCache, AnswerRequest } from './answer-cache.ts';
import { authenticate, type AuthMode } from './authenticate.ts';
import { AwsError, UnknownOperationException, type WireResponse } from './errors.ts';
import { readJsonBody } from './json-body.ts';
import type { OperationDefinition, ServerSettings } from './operation.ts';
import { routeOf } from './operations.ts';
import { PaginationTokenError, type PaginationTokens } from './pagination-token.ts';
import type { SignedRequest } from './sigv4-verifier.ts';
import type { Throttle } from './throttle.ts';
import { validateInput } from './validate.ts';

export type WireRequest = SignedRequest;

export interface PipelineDependencies {
  store: Store;
  readModels: ReadModels;
  keys: CachedAccessKeys;
  answers: AnswerCache;
  tokens: PaginationTokens;
  settings: ServerSettings;
  authMode: AuthMode;
  throttle: Throttle;
  logger: Logger;
  now: () => number;
}

/** `operation`: the one the request's route names, where the caller has looked it up already. */
export async function handleAwsRequest(request: WireRequest, deps: PipelineDependencies, operation = routeOf(request.method, request.path)): Promise<WireResponse> {
  const requestId = randomUUID();
  if (!operation) return new UnknownOperationException(request.method, request.path).render(requestId);
  const { service } = operation;
  try {
    const now = deps.now();
    // Read once, before anything the key or the answer is read from, so that a commit in between
    // is seen (Store.changeStamp).
    const stamp = deps.authMode === 'sigv4' || operation.answerDependsOnStoreOnly ? deps.store.changeStamp() : undefined;
    const findKey = (accessKeyId: string) => deps.keys.find(accessKeyId, stamp);
    const caller = await authenticate(deps.authMode, request, service.model.metadata.signingName, { findKey, settings: deps.settings, now });
    if (!roleAllows(caller.role, 'query')) throw service.accessDenied(`An access key with role '${caller.role}' is not authorized to perform ${operation.name}.`);
    // Buckets refill on the monotonic clock, not the request clock (which tests may hold still).
    const wait = deps.throttle.take(`${caller.accountId}\u0000${operation.name}`, performance.now());
    if (wait > 0) throw service.throttled(wait);
    const contentType = request.headers['content-type'];
    const answerRequest: AnswerRequest = { operation: operation.name, accountId: caller.accountId, region: caller.region, contentType: Array.isArray(contentType) ? contentType[0] : contentType, body: request.body };
    const answerStamp = operation.answerDependsOnStoreOnly ? stamp : undefined;
    const kept = deps.answers.get(answerRequest, answerStamp, requestId, now);
    if (kept) return kept;
    const input = deserialize(operation, request);
    const output = await operation.handle(input, { requestId, accountId: caller.accountId, region: caller.region, now, store: deps.store, readModels: deps.readModels, tokens: deps.tokens, settings: deps.settings });
    const statusCode = service.model.operations[operation.name].http.responseCode ?? 200;
    const response = { statusCode, headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId }, body: JSON.stringify(output) };
    deps.answers.set(answerRequest, answerStamp, requestId, response, now);
    return response;
  } catch (error) {
    if (error instanceof AwsError) return error.render(requestId);
    if (error instanceof PaginationTokenError) return service.invalidPaginationToken(error.message).render(requestId);
    if (isStoreUnavailable(error)) {
      deps.logger.warn({ err: error, requestId, operation: operation.name }, 'database unavailable');
      return service.unavailable(requestId, 1).render(requestId);
    }
    deps.logger.error({ err: error, requestId, operation: operation.name }, 'unexpected failure');
    return service.internalError(requestId).render(requestId);
  }
}

function deserialize(operation: OperationDefinition, request: WireRequest): unknown {
  const { model } = operation.service;
  const contentType = request.headers['content-type'];
  const body = readJsonBody(request.body, Array.isArray(contentType) ? contentType[0] : contentType);
  if (!body.ok) throw operation.service.invalidInput([], body.reason);
  const input = body.value;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw operation.service.invalidInput([], 'The request body must be a JSON object.');
  }
  const violations = validateInput(model, model.operations[operation.name].input, input);
  if (violations.length > 0) throw operation.service.invalidInput(violations, undefined);
  return input;
}
