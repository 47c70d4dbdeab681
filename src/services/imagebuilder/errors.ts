// Image Builder's modelled errors, named after their shapes; status codes come from the model.
import { imagebuilderModel } from '../../model/service-model.ts';
import { AwsError, modelledStatus } from '../../protocol/errors.ts';

function imagebuilderError(shape: string) {
  return class extends AwsError {
    constructor(message: string, retryAfterSeconds?: number) {
      super(shape, modelledStatus(imagebuilderModel, shape), message, {}, retryAfterSeconds);
    }
  };
}

/** The request breaks a modelled constraint, names an unknown filter, or is not JSON. */
export class InvalidRequestException extends imagebuilderError('InvalidRequestException') {}
export class InvalidPaginationTokenException extends imagebuilderError('InvalidPaginationTokenException') {}
/** Unexpected failure on the server side (500). */
export class ServiceException extends imagebuilderError('ServiceException') {}
export class ServiceUnavailableException extends imagebuilderError('ServiceUnavailableException') {}
export class ForbiddenException extends imagebuilderError('ForbiddenException') {}
export class CallRateLimitExceededException extends imagebuilderError('CallRateLimitExceededException') {}
