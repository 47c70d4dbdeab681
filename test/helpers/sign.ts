// Signs raw requests with SigV4 the way an AWS SDK does, for requests the SDK cannot be made to send
// (tampered bodies, skewed clocks, other services' scopes).
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface SignOptions {
  accessKeyId: string;
  secretAccessKey: string;
  service: string;
  region?: string;
  signingDate?: Date;
  sessionToken?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** POST by default; a GET sends no body. */
  method?: 'GET' | 'POST';
}

export async function signedFetch(url: string, path: string, body: string, options: SignOptions & { sendBody?: string }): Promise<Response> {
  const target = new URL(path, url);
  const request = new HttpRequest({
    method: options.method ?? 'POST',
    protocol: 'http:',
    hostname: target.hostname,
    port: Number(target.port),
    path: target.pathname,
    query: options.query ?? {},
    headers: { 'content-type': 'application/json', host: target.host, ...options.headers },
    body,
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken },
    region: options.region ?? 'us-west-2',
    service: options.service,
    sha256: Sha256,
  });
  const signed = await signer.sign(request, { signingDate: options.signingDate });
  const query = new URLSearchParams(options.query ?? {}).toString();
  const { host: _host, ...headers } = signed.headers;
  const method = options.method ?? 'POST';
  return fetch(`${url}${target.pathname}${query ? `?${query}` : ''}`, { method, headers, body: method === 'GET' ? undefined : (options.sendBody ?? body) });
}
