import { inspector2Model } from '../../model/service-model.ts';
import type { ServiceDefinition } from '../../protocol/operation.ts';
import { AccessDeniedException, InternalServerException, ThrottlingException, ValidationException } from './errors.ts';

export const inspector2: ServiceDefinition = {
  model: inspector2Model,
  invalidInput: (violations, cannotParse) => ValidationException.fromViolations(violations, cannotParse),
  invalidPaginationToken: (message) => new ValidationException(message, 'FIELD_VALIDATION_FAILED', [{ name: 'nextToken', message }]),
  internalError: (requestId) => new InternalServerException(requestId),
  accessDenied: (message) => new AccessDeniedException(message),
  throttled: (retryAfterSeconds) => new ThrottlingException(retryAfterSeconds),
  // Inspector2 models no 503: an unavailable database is its InternalServerException with Retry-After.
  unavailable: (requestId, retryAfterSeconds) => new InternalServerException(requestId, retryAfterSeconds),
};
