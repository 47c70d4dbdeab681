// Errors that know how to render themselves on the restJson1 wire. Handlers and validators throw
// them; only the pipeline turns one into bytes (see render()).
import type { ServiceModel } from '../model/service-model.ts';

export interface WireResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** JSON; bytes when served from answers kept already encoded (answer-cache.ts). */
  body: string | Buffer;
}

export class AwsError extends Error {
  constructor(
    /** The error shape's name, sent bare in X-Amzn-ErrorType (old botocore does not strip a namespace). */
    readonly errorType: string,
    readonly statusCode: number,
    message: string,
    /** Modelled body members besides `message`. */
    readonly members: Record<string, unknown> = {},
    /** Seconds for the `Retry-After` header, where the shape binds one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = errorType;
  }

  render(requestId: string): WireResponse {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amzn-errortype': this.errorType,
      'x-amzn-requestid': requestId,
    };
    if (this.retryAfterSeconds !== undefined) headers['retry-after'] = String(this.retryAfterSeconds);
    return { statusCode: this.statusCode, headers, body: JSON.stringify({ message: this.message, ...this.members }) };
  }
}

/** The HTTP status the model gives an error shape. */
export function modelledStatus(model: ServiceModel, errorShape: string): number {
  const status = model.shapes[errorShape]?.error?.httpStatusCode;
  if (!status) throw new Error(`${errorShape} is not an error shape of ${model.metadata.serviceId}`);
  return status;
}

/** No operation is bound to this method and path (not an AWS shape: no service claims the request). */
export class UnknownOperationException extends AwsError {
  constructor(method: string, path: string) {
    super('UnknownOperationException', 404, `No operation is served at ${method} ${path}. imagescope serves Inspector2 GetClustersForImage (POST /cluster/get) and Image Builder ListImageScanFindingAggregations (POST /ListImageScanFindingAggregations).`);
  }
}
