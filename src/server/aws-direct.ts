// The AWS operations' fast lane: requests for an operation, with a body of known length within the
// limit, go from node:http straight to the protocol pipeline, ahead of Fastify. For a kept answer
// (answer-cache.ts) Fastify's routing, hooks and reply were a fifth of the request's cost. Anything
// else (no route, a chunked or oversized body, a server closing) goes on to Fastify, whose error
// handling answers it as before.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { routeOf } from '../protocol/operations.ts';
import { handleAwsRequest, type PipelineDependencies } from '../protocol/pipeline.ts';
import type { ServerMetrics } from './metrics.ts';

export type DirectLane = (request: IncomingMessage, response: ServerResponse) => boolean;

/** A lane that takes a request (and answers it) or returns false, leaving it to Fastify. */
export function awsDirectLane(deps: PipelineDependencies, metrics: ServerMetrics, maxRequestBytes: number, closing: () => boolean): DirectLane {
  return (request, response) => {
    if (request.method !== 'POST' || closing()) return false;
    const url = request.url ?? '';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const operation = routeOf('POST', path);
    const length = Number(request.headers['content-length']);
    if (!operation || !(length <= maxRequestBytes) || request.headers['transfer-encoding'] !== undefined) return false;
    const started = performance.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    // node's parser ends the body at content-length; a client that hangs up mid-body gets no answer.
    request.on('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      void handleAwsRequest({ method: 'POST', path, query: queryAt === -1 ? '' : url.slice(queryAt + 1), headers: request.headers, body }, deps, operation).then((answer) => {
        response.writeHead(answer.statusCode, answer.headers);
        response.end(answer.body);
        metrics.countAwsAnswer(operation.name, answer.headers['x-amzn-errortype']);
        metrics.requestDuration.observe({ service: operation.service.model.metadata.signingName, operation: operation.name, status: String(answer.statusCode) }, (performance.now() - started) / 1000);
      });
    });
    return true;
  };
}
