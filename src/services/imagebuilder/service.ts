import { imagebuilderModel } from '../../model/service-model.ts';
import type { ServiceDefinition } from '../../protocol/operation.ts';
import { renderViolations } from '../../protocol/validate.ts';
import { InvalidPaginationTokenException, InvalidRequestException, ServiceException } from './errors.ts';

export const imagebuilder: ServiceDefinition = {
  model: imagebuilderModel,
  invalidInput: (violations, cannotParse) => new InvalidRequestException(cannotParse ?? renderViolations(violations)),
  invalidPaginationToken: (message) => new InvalidPaginationTokenException(message),
  internalError: (requestId) => new ServiceException(`The request processing has failed because of an unknown error, exception or failure. Request ID: ${requestId}`),
};
