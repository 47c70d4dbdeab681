// One page of a Kubernetes list (`limit`, `continue`), read as plain JSON with the KubeConfig's
// credentials and TLS settings, through node-fetch as client-node's own Watch does. Not the typed
// list calls: they turn every object of a page into class instances only for the watcher to throw
// most of it away, which on a 50,000-pod cluster is most of the watcher's time and memory.
import type { KubeConfig } from '@kubernetes/client-node';
import fetch from 'node-fetch';

export interface ListPage {
  items: object[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** A failed request: its HTTP status, the Status message, and Retry-After, as the reflector needs them. */
export class ApiStatusError extends Error {
  constructor(readonly statusCode: number, message: string, readonly headers: Record<string, string>) {
    super(message);
  }
}

export async function listPage(kc: KubeConfig, path: string, limit: number, cont: string | undefined, timeoutMs: number): Promise<ListPage> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig context names no cluster server');
  const url = new URL(server + path);
  url.searchParams.set('limit', String(limit));
  if (cont) url.searchParams.set('continue', cont);
  const init = await kc.applyToFetchOptions({});
  const response = await fetch(url, { ...init, method: 'GET', signal: AbortSignal.timeout(timeoutMs) as any });
  const text = await response.text();
  if (response.ok) return JSON.parse(text) as ListPage;
  let message = `HTTP ${response.status} ${response.statusText}`;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // not a Status body: the status line says enough
  }
  throw new ApiStatusError(response.status, message, { 'retry-after': response.headers.get('retry-after') ?? '' });
}
