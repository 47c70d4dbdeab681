// AWS's authentication errors (the same for every service; not in the service models), with AWS's
// wording.
import { AwsError } from './errors.ts';

export class MissingAuthenticationTokenException extends AwsError {
  constructor() {
    super('MissingAuthenticationTokenException', 403, 'Missing Authentication Token');
  }
}

export class IncompleteSignatureException extends AwsError {
  constructor(detail: string) {
    super('IncompleteSignatureException', 403, detail);
  }
}

export class UnrecognizedClientException extends AwsError {
  constructor(message = 'The security token included in the request is invalid.') {
    super('UnrecognizedClientException', 403, message);
  }
}

export class InvalidSignatureException extends AwsError {
  constructor(message: string) {
    super('InvalidSignatureException', 403, message);
  }
}

/** The error codes of a request that authentication refused. */
export const authenticationErrorTypes: ReadonlySet<string> = new Set(['MissingAuthenticationTokenException', 'IncompleteSignatureException', 'UnrecognizedClientException', 'InvalidSignatureException']);

export const signatureMismatchMessage =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
