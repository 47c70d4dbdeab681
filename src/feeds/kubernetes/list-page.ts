// One page of a Kubernetes list (`limit`, `continue`), or one object, read as plain JSON with the
// KubeConfig's credentials and TLS settings, through node-fetch as client-node's own Watch does. Not
// the typed list calls: they turn every object of a page into class instances only for the watcher to
// throw most of it away, which on a 50,000-pod cluster is most of the watcher's time and memory. A
// list may ask for its items' metadata alone (PartialObjectMetadataList): a relist of large objects
// that mostly did not change then costs their metadata, not their bodies.
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

const metadataOnlyAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

export async function listPage(kc: KubeConfig, path: string, limit: number, cont: string | undefined, timeoutMs: number, metadataOnly = false): Promise<ListPage> {
  const query = { limit: String(limit), ...(cont && { continue: cont }) };
  return (await get(kc, path, query, timeoutMs, metadataOnly ? metadataOnlyAccept : undefined)) as ListPage;
}

/** One object; undefined when it is gone (404). */
export async function getObject(kc: KubeConfig, path: string, timeoutMs: number): Promise<object | undefined> {
  try {
    return await get(kc, path, {}, timeoutMs);
  } catch (error) {
    if (error instanceof ApiStatusError && error.statusCode === 404) return undefined;
    throw error;
  }
}

async function get(kc: KubeConfig, path: string, query: Record<string, string>, timeoutMs: number, accept?: string): Promise<object> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig context names no cluster server');
  const url = new URL(server + path);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const init = await kc.applyToFetchOptions({});
  if (accept) {
    // client-node 1.4 gives a fresh Headers each call; set it there (spreading a Headers copies nothing).
    const headers = init.headers as { set?(name: string, value: string): void } | Record<string, string> | undefined;
    if (typeof headers?.set === 'function') headers.set('Accept', accept);
    else init.headers = { ...(headers as Record<string, string>), Accept: accept };
  }
  const response = await fetch(url, { ...init, method: 'GET', signal: AbortSignal.timeout(timeoutMs) as any });
  const text = await response.text();
  if (response.ok) return JSON.parse(text) as object;
  let message = `HTTP ${response.status} ${response.statusText}`;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // not a Status body: the status line says enough
  }
  throw new ApiStatusError(response.status, message, { 'retry-after': response.headers.get('retry-after') ?? '' });
}
