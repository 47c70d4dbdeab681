import { imagebuilderModel } from '../../model/service-model.ts';
import type { ServiceDefinition } from '../../protocol/operation.ts';
import { renderViolations } from '../../protocol/validate.ts';
import {
  CallRateLimitExceededException,
  ForbiddenException,
  InvalidPaginationTokenException,
  InvalidRequestException,
  ServiceException,
  ServiceUnavailableException,
} from './errors.ts';

export const imagebuilder: ServiceDefinition = {
  model: imagebuilderModel,
  invalidInput: (violations, cannotParse) => new InvalidRequestException(cannotParse ?? renderViolations(violations)),
  invalidPaginationToken: (message) => new InvalidPaginationTokenException(message),
  internalError: (requestId) => new ServiceException(`The request processing has failed because of an unknown error, exception or failure. Request ID: ${requestId}`),
  accessDenied: (message) => new ForbiddenException(message),
  throttled: (retryAfterSeconds) => new CallRateLimitExceededException('Rate exceeded', retryAfterSeconds),
  unavailable: (requestId, retryAfterSeconds) => new ServiceUnavailableException(`The service is temporarily unavailable; retry later. Request ID: ${requestId}`, retryAfterSeconds),
};
