// The list/watch loop for one kind of object in one scope (the cluster, or one namespace), after
// client-go's reflector: list in pages, hand the complete list on, watch from the list's
// resourceVersion (with bookmarks and a server-side timeout), and start over with a new list when the
// resourceVersion has expired (410) or a resync is due. It only lists and watches; what the objects
// mean is its handler's business. Faults never end it: it waits (jittered backoff, Retry-After, slowly
// for a missing permission) and lists again, so nothing that changed meanwhile is missed.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Backoff, sleep } from '../backoff.ts';
import { listPage } from './list-page.ts';
import type { KubernetesResource } from './resources.ts';
import { watchOnce, type WatchEnd } from './watch-once.ts';

export interface ReflectorHandler {
  /**
   * A complete list of the scope, taken at `listedAt` (epoch ms), as its pages of objects as `slim`
   * keeps them. The pages are fetched as the handler takes them, so a large list never has to be held
   * whole; the handler must take every page (or throw), and a list that fails or is stopped part way
   * throws from the pages, so nothing of it may count.
   */
  replace(pages: AsyncIterable<object[]>, listedAt: number, metadataOnly: boolean): Promise<void>;
  /** Whether the next list is to carry the objects' metadata alone (their `slim` is not applied then). */
  listMetadataOnly?(): boolean;
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: object): void;
  /** A list or watch failed (it will be retried). */
  failed(error: string): void;
  /**
   * The resource is not served (404: a custom resource whose definition is not installed). A handler
   * that has this takes it as a state, checked again at each resync; one without it, as a failure.
   */
  notServed?(): void;
}

export interface ReflectorSettings {
  pageSize: number;
  watchTimeoutSeconds: number;
  /** Relist this often (0: only when the watch needs it). */
  resyncMs: number;
  /** A list that takes longer than this is abandoned and retried. */
  requestTimeoutMs: number;
}

export class Reflector {
  private readonly backoff = new Backoff();
  /** Said once per spell of the resource not being served. */
  private notServedSaid = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly resource: KubernetesResource,
    private readonly namespace: string | undefined,
    private readonly handler: ReflectorHandler,
    private readonly settings: ReflectorSettings,
    private readonly log: Logger,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const { resourceVersion, listedAt } = await this.list(signal).catch((error) => Promise.reject(withVerb(error, 'list')));
        if (signal.aborted) return;
        this.backoff.reset();
        if (this.notServedSaid) this.log.info({ resource: this.resource.name, namespace: this.namespace }, `${this.resource.name}.${this.resource.apiGroup} is served now`);
        this.notServedSaid = false;
        await this.watchUntilRelist(resourceVersion, listedAt, signal).catch((error) => Promise.reject(withVerb(error, 'watch')));
      } catch (error) {
        if (signal.aborted) return;
        await sleep(this.waitAfter(error), signal);
      }
    }
  }

  /** Every page of one consistent list, handed to the handler as it takes them. */
  private async list(signal: AbortSignal): Promise<{ resourceVersion: string; listedAt: number }> {
    const listedAt = Date.now();
    const { resource, namespace, settings, kc } = this;
    let resourceVersion = '';
    let items = 0;
    let complete = false;
    const metadataOnly = this.handler.listMetadataOnly?.() ?? false;
    // Metadata alone is small whatever the objects' size: full pages of the watcher's page size.
    const limit = metadataOnly ? settings.pageSize : Math.min(settings.pageSize, resource.maxPageSize ?? Infinity);
    async function* pages(): AsyncGenerator<object[]> {
      let cont: string | undefined;
      do {
        const page = await listPage(kc, resource.path(namespace), limit, cont, settings.requestTimeoutMs, metadataOnly);
        signal.throwIfAborted();
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
        cont = page.metadata?.continue || undefined;
        items += page.items.length;
        yield metadataOnly ? page.items : page.items.map((item) => resource.slim(item));
      } while (cont);
      complete = true;
    }
    await this.handler.replace(pages(), listedAt, metadataOnly);
    if (!complete && !signal.aborted) throw new Error(`the ${resource.name} list was not read to its end`);
    this.log.info({ resource: resource.name, namespace, items, resourceVersion, ...(metadataOnly && { metadataOnly }) }, 'listed');
    return { resourceVersion, listedAt };
  }

  private async watchUntilRelist(resourceVersion: string, listedAt: number, signal: AbortSignal): Promise<void> {
    let version = resourceVersion;
    const resyncAt = this.settings.resyncMs > 0 ? listedAt + this.settings.resyncMs : Infinity;
    const watch = new Watch(this.kc);
    while (!signal.aborted) {
      const started = Date.now();
      const end: WatchEnd = await watchOnce(watch, this.resource.path(this.namespace), version, {
        timeoutSeconds: this.settings.watchTimeoutSeconds,
        until: resyncAt,
        signal,
        onEvent: (type, object) => this.handler.event(type, this.resource.slim(object)),
      });
      version = end.resourceVersion;
      if (end.reason === 'stopped') return;
      if (end.reason === 'expired') return this.log.info({ resource: this.resource.name, namespace: this.namespace, resourceVersion: version }, 'resourceVersion expired: relisting');
      if (end.reason === 'resync') return this.log.debug({ resource: this.resource.name, namespace: this.namespace }, 'resync: relisting');
      // A clean close (the server's timeout, or a connection that ended): watch again from where it
      // was. One that ends at once with nothing to say is not a timeout: wait a little before the next.
      if (end.events > 0 || Date.now() - started >= 1_000) this.backoff.reset();
      else await sleep(this.backoff.next(), signal);
      this.log.debug({ resource: this.resource.name, namespace: this.namespace, resourceVersion: version }, 'watch closed: reconnecting');
    }
  }

  /** How long to wait after a failure, and what to say about it. */
  private waitAfter(error: unknown): number {
    const status = statusOf(error);
    const context = { resource: this.resource.name, namespace: this.namespace, status };
    if (status === 410) {
      this.log.info(context, (error as { verb?: string }).verb === 'watch' ? 'resourceVersion expired: relisting' : 'list continue token expired: relisting');
      return 0;
    }
    if (status === 404) return this.notServed(context);
    const message = describe(error);
    this.handler.failed(message);
    if (status === 403) {
      const verb = /cannot (\w+) resource/.exec(message)?.[1] ?? (error as { verb?: string }).verb;
      this.log.error({ ...context, missing: { verb, resource: this.resource.name, apiGroup: this.resource.apiGroup, namespace: this.namespace ?? 'all namespaces' } }, `permission missing: ${verb} ${this.resource.name}${this.resource.apiGroup ? `.${this.resource.apiGroup}` : ''} (${message})`);
      return this.backoff.slowest();
    }
    const retryAfter = retryAfterMs(error);
    const wait = Math.max(retryAfter ?? 0, this.backoff.next());
    this.log.warn({ ...context, error: message, retryInMs: Math.round(wait) }, 'list or watch failed: retrying');
    return wait;
  }

  private notServed(context: object): number {
    const { name, apiGroup } = this.resource;
    const message = `${name}.${apiGroup || 'core'} is not served by this cluster (HTTP 404)${apiGroup === 'aquasecurity.github.io' ? ': trivy-operator is not installed' : ''}`;
    if (!this.handler.notServed) {
      this.handler.failed(message);
      this.log.error(context, message);
      return this.backoff.slowest();
    }
    this.handler.notServed();
    if (!this.notServedSaid) this.log.info(context, `${message}; checking again at each resync`);
    this.notServedSaid = true;
    return this.settings.resyncMs || this.backoff.slowest();
  }
}

/** Which request failed (a watch's error says no more than its HTTP status). */
function withVerb(error: unknown, verb: 'list' | 'watch'): unknown {
  if (typeof error === 'object' && error !== null && !('verb' in error)) Object.assign(error, { verb });
  return error;
}

function statusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return typeof e?.code === 'number' ? e.code : undefined;
}

function retryAfterMs(error: unknown): number | undefined {
  const headers = (error as { headers?: Record<string, string> })?.headers;
  const value = headers?.['retry-after'] ?? headers?.['Retry-After'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) * 1000 : undefined;
}

function describe(error: unknown): string {
  const status = statusOf(error);
  const text = error instanceof Error ? error.message : String(error);
  // A watch's error says only its status text ("Forbidden"); a list's carries the Status message.
  return status && !/\s/.test(text) ? `HTTP ${status} ${text}` : text;
}
