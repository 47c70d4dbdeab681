// A Fastify request as the protocol layer reads it (method, raw path, query, headers, raw body), for
// the AWS pipeline, the ingest endpoint and the console's signed API alike.
import type { FastifyRequest } from 'fastify';
import type { WireRequest } from '../protocol/pipeline.ts';

export function wireRequest(request: FastifyRequest): WireRequest {
  const [path, query = ''] = request.url.split('?', 2);
  return { method: request.method, path: path!, query, headers: request.headers, body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0) };
}
