// Inspector2's modelled errors, named after their shapes; status codes come from the model.
import { inspector2Model } from '../../model/service-model.ts';
import { AwsError, modelledStatus } from '../../protocol/errors.ts';
import { renderViolations, type Violation } from '../../protocol/validate.ts';

export type ValidationExceptionReason = 'CANNOT_PARSE' | 'FIELD_VALIDATION_FAILED' | 'OTHER';

export class ValidationException extends AwsError {
  constructor(message: string, reason: ValidationExceptionReason, fields?: { name: string; message: string }[]) {
    super('ValidationException', modelledStatus(inspector2Model, 'ValidationException'), message, fields ? { reason, fields } : { reason });
  }

  static fromViolations(violations: Violation[], cannotParse: string | undefined): ValidationException {
    if (cannotParse) return new ValidationException(cannotParse, 'CANNOT_PARSE');
    const reason = violations.some((v) => v.kind === 'type') ? 'CANNOT_PARSE' : 'FIELD_VALIDATION_FAILED';
    const fields = violations.map((v) => ({ name: v.path, message: renderViolations([v]).replace(/^1 validation error detected: /, '') }));
    return new ValidationException(renderViolations(violations), reason, fields);
  }
}

export class AccessDeniedException extends AwsError {
  constructor(message = 'You do not have sufficient access to perform this action.') {
    super('AccessDeniedException', modelledStatus(inspector2Model, 'AccessDeniedException'), message);
  }
}

export class ThrottlingException extends AwsError {
  constructor(retryAfterSeconds: number) {
    super('ThrottlingException', modelledStatus(inspector2Model, 'ThrottlingException'), 'Rate exceeded', {}, retryAfterSeconds);
  }
}

export class InternalServerException extends AwsError {
  constructor(requestId: string, retryAfterSeconds = 1) {
    super('InternalServerException', modelledStatus(inspector2Model, 'InternalServerException'), `The request processing has failed because of an unknown error, exception or failure. Request ID: ${requestId}`, {}, retryAfterSeconds);
  }
}
