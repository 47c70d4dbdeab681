// A receiver of alert deliveries on a loopback port: every request is kept with its headers and body,
// its Standard Webhooks signature checked by the `standardwebhooks` package (an implementation of the
// spec independent of ours), and answered as the test scripts it per path: a queue of answers (status,
// headers, body), or `hang` (never answer), then 200.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The payload as the signature check returned it; undefined when the check failed (or there was none). */
  verified?: unknown;
  /** The status it was answered with (`hang`: none). */
  answered: number | 'hang';
  at: number;
}

export type ScriptedAnswer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answers the next requests to `path` in turn with these. */
  script(path: string, answers: ScriptedAnswer[]): void;
  /** The CloudEvents of the verified requests to `path` answered 2xx (a batch counts each of its events). */
  events(path: string): any[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const webhook = new Webhook(secret.replace(/^whsec_/, ''));
  const requests: ReceivedRequest[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const path = req.url!;
      let verified: unknown;
      try {
        verified = webhook.verify(body, { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) });
      } catch {
        verified = undefined;
      }
      const answer = scripts.get(path)?.shift() ?? { status: 200, body: 'ok' };
      requests.push({ path, headers: req.headers, body, verified, answered: answer === 'hang' ? 'hang' : answer.status, at: Date.now() });
      if (answer === 'hang') return void hanging.add(res);
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers }).end(answer.body ?? '');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    script: (path, answers) => scripts.set(path, [...(scripts.get(path) ?? []), ...answers]),
    events: (path) => requests.filter((r) => r.path === path && r.verified !== undefined && typeof r.answered === 'number' && r.answered < 300).flatMap((r) => (Array.isArray(r.verified) ? r.verified : [r.verified])),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
