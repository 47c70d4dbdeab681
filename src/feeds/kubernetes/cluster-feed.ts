// Keeps one Kubernetes cluster's pods current in the store: reflectors list and watch pods (and the
// ReplicaSets and Jobs that tell a pod's top-level workload) in each scope, and this turns what they
// see into ordinary Kubernetes ingest inputs. A complete pod list becomes a List (a snapshot: pods
// missing from it stop at the list time); watch events are coalesced per pod and written at most about
// once per flush interval as one input of watch events. Every write is one transaction. Where asked,
// trivy-operator's VulnerabilityReports are read too (vulnerability-reports.ts), after the pods they
// take their digests from.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { IngestSummary } from '../../ingest/ingest-input.ts';
import { IngestRejection } from '../../ingest/ingest-rejection.ts';
import type { IngestOptions } from '../../ingest/ingest-options.ts';
import { Backoff, sleep } from '../backoff.ts';
import type { FeedHealth } from '../feed-health.ts';
import type { IngestSink } from '../ingest-sink.ts';
import { SerialWrites } from '../serial-writes.ts';
import { getObject } from './list-page.ts';
import { Reflector, type ReflectorHandler, type ReflectorSettings } from './reflector.ts';
import { jobs, pods, replicaSets, vulnerabilityReports, type KubernetesResource } from './resources.ts';
import { Settled } from './settled.ts';
import { VulnerabilityReports } from './vulnerability-reports.ts';
import { WorkloadContainers } from './workload-containers.ts';

type Json = Record<string, any>;

export interface ClusterTarget {
  context: string;
  clusterArn: string;
  kc: KubeConfig;
}

export interface ClusterFeedSettings extends Omit<ReflectorSettings, 'resyncMs'> {
  /** Empty: the whole cluster. */
  namespaces: string[];
  resyncMs: number;
  flushMs: number;
  accountId: string;
  /** trivy-operator's reports: `auto` reads them where the cluster serves them. */
  vulnerabilityReports: 'auto' | 'on' | 'off';
}

const ownerKey = (namespace: string, kind: string, name: string) => `${namespace}/${kind}/${name}`;

export class ClusterFeed {
  /** Slim ReplicaSets and Jobs (JSON text) by namespace/kind/name. */
  private readonly owners = new Map<string, string>();
  /** The newest watch event of each pod not yet written, by uid. */
  private pending = new Map<string, { type: string; object: Json }>();
  private flushTimer?: NodeJS.Timeout;
  private readonly writes = new SerialWrites();
  private readonly listedScopes = new Set<string | undefined>();
  private readonly ownerScopes = new Map<string | undefined, Settled>();
  private readonly podScopes = new Map<string | undefined, Settled>();
  /** What the pods' containers run, by workload: where vulnerability reports take their digests. */
  private readonly containers = new WorkloadContainers((namespace, kind, name) => {
    const owner = this.owners.get(ownerKey(namespace, kind, name));
    return owner ? ((JSON.parse(owner) as Json).metadata.ownerReferences ?? []) : [];
  });
  private readonly log: Logger;
  private readonly backoff = new Backoff();
  private stopped?: AbortSignal;

  constructor(
    private readonly target: ClusterTarget,
    private readonly sink: IngestSink,
    private readonly settings: ClusterFeedSettings,
    private readonly health: FeedHealth,
    log: Logger,
  ) {
    this.log = log.child({ cluster: target.clusterArn, context: target.context });
    health.track(target.clusterArn);
  }

  /** Watches until `signal` aborts, then writes what is pending. */
  async run(signal: AbortSignal): Promise<void> {
    this.stopped = signal;
    const scopes = this.settings.namespaces.length ? this.settings.namespaces : [undefined];
    this.log.info({ namespaces: this.settings.namespaces.length ? this.settings.namespaces : 'all' }, 'connecting');
    const reports = this.settings.vulnerabilityReports === 'off' ? undefined : this.vulnerabilityReportFeed(signal);
    // Pods are kept by workload only where reports will need them: known served (`on`, or the API
    // group found), or found served later (vulnerability-reports.ts turns it on then).
    if (reports && (this.settings.vulnerabilityReports === 'on' || (await this.reportsServed()))) this.containers.keep();
    const reflectors = scopes.flatMap((namespace) => [
      this.reflector(replicaSets, this.ownerHandler(replicaSets, namespace), namespace, 0),
      this.reflector(jobs, this.ownerHandler(jobs, namespace), namespace, 0),
      this.reflector(pods, this.podHandler(namespace), namespace, this.settings.resyncMs),
      ...(reports ? [this.reflector(vulnerabilityReports, reports.handler(namespace), namespace, this.settings.resyncMs)] : []),
    ]);
    await Promise.all(reflectors.map((r) => r.run(signal)));
    clearTimeout(this.flushTimer);
    await this.writePendingEvents();
    await reports?.flush();
  }

  private reflector(resource: KubernetesResource, handler: ReflectorHandler, namespace: string | undefined, resyncMs: number): Reflector {
    return new Reflector(this.target.kc, resource, namespace, handler, { ...this.settings, resyncMs }, this.log);
  }

  /** Whether the cluster serves trivy-operator's API group (its discovery document); a fault says yes, to be safe. */
  private async reportsServed(): Promise<boolean> {
    try {
      return (await getObject(this.target.kc, '/apis/aquasecurity.github.io/v1alpha1', this.settings.requestTimeoutMs)) !== undefined;
    } catch {
      return true;
    }
  }

  private vulnerabilityReportFeed(signal: AbortSignal): VulnerabilityReports {
    const region = this.target.clusterArn.split(':')[3]!;
    const health = `${this.target.clusterArn} vulnerabilityreports`;
    this.health.track(health);
    const options = { format: 'trivy-operator' as const, accountId: this.settings.accountId, region };
    return new VulnerabilityReports(
      this.containers,
      (namespace) => this.podsListed(namespace),
      (name, reports) => this.write(name, () => this.sink.ingestValues(name, reports, options)),
      async (namespace, name) => {
        const report = await getObject(this.target.kc, `${vulnerabilityReports.path(namespace)}/${encodeURIComponent(name)}`, this.settings.requestTimeoutMs);
        return report && (vulnerabilityReports.slim(report) as Json);
      },
      { context: this.target.context, scope: { accountId: this.settings.accountId, region }, flushMs: this.settings.flushMs, required: this.settings.vulnerabilityReports === 'on' },
      { synced: () => this.health.synced(health), failed: (error) => this.health.failed(health, error) },
      this.log.child({ resource: 'vulnerabilityreports' }),
      signal,
    );
  }

  private ownerHandler(resource: KubernetesResource, namespace: string | undefined) {
    const kind = resource === replicaSets ? 'ReplicaSet' : 'Job';
    return {
      replace: async (pages: AsyncIterable<object[]>) => {
        const listed = new Map<string, string>();
        for await (const page of pages) {
          for (const object of page) listed.set(ownerKey((object as Json).metadata.namespace, kind, (object as Json).metadata.name), JSON.stringify(object));
        }
        for (const key of this.owners.keys()) {
          const [ownerNamespace, ownerKind] = key.split('/');
          if (ownerKind === kind && (!namespace || ownerNamespace === namespace)) this.owners.delete(key);
        }
        for (const [key, text] of listed) this.owners.set(key, text);
        this.ownersSettled(namespace).settle(kind);
      },
      event: (type: string, object: object) => {
        const { metadata } = object as Json;
        if (type === 'DELETED') this.owners.delete(ownerKey(metadata.namespace, kind, metadata.name));
        else this.owners.set(ownerKey(metadata.namespace, kind, metadata.name), JSON.stringify(object));
      },
      failed: (error: string) => {
        this.health.failed(this.target.clusterArn, error);
        this.ownersSettled(namespace).settle(kind);
      },
    };
  }

  /**
   * A scope's ReplicaSets and Jobs have been listed, or have failed to be, once: its pods are read
   * (page by page, as they arrive) only then, so that their workloads are found; a missing permission
   * on owners must not hold the pods back.
   */
  private ownersSettled(namespace: string | undefined): Settled {
    return settledIn(this.ownerScopes, namespace, ['ReplicaSet', 'Job']);
  }

  /** A scope's pods have been listed (and stored), or have failed to be, once. */
  private podsListed(namespace: string | undefined): Settled {
    return settledIn(this.podScopes, namespace, ['Pod']);
  }

  private podHandler(namespace: string | undefined) {
    return {
      replace: async (pages: AsyncIterable<object[]>, listedAt: number) => {
        if (!(await this.ownersSettled(namespace).wait(this.stopped!))) return;
        await this.writes.run(() => this.writeList(this.indexed(pages, namespace), namespace, listedAt));
        this.podsListed(namespace).settle('Pod');
      },
      event: (type: string, object: object) => {
        const pod = object as Json;
        if (type === 'DELETED') this.containers.remove(pod.metadata.namespace, pod.metadata.name);
        else this.containers.put(pod);
        const key = pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
        const seen = this.pending.get(key);
        if (!seen || Number(pod.metadata.resourceVersion) >= Number(seen.object.metadata.resourceVersion)) this.pending.set(key, { type, object: pod });
        this.flushTimer ??= setTimeout(() => {
          this.flushTimer = undefined;
          void this.writePendingEvents();
        }, this.settings.flushMs);
      },
      failed: (error: string) => {
        this.health.failed(this.target.clusterArn, error);
        this.podsListed(namespace).settle('Pod');
      },
    };
  }

  /** The pages of a pod list, each pod filed by workload as it passes (where kept); what the list lacks is forgotten. */
  private async *indexed(pages: AsyncIterable<object[]>, namespace: string | undefined): AsyncGenerator<object[]> {
    if (!this.containers.keeping) return yield* pages;
    const listed = new Set<string>();
    for await (const page of pages) {
      for (const pod of page as Json[]) {
        this.containers.put(pod);
        listed.add(`${pod.metadata.namespace}/${pod.metadata.name}`);
      }
      yield page;
    }
    this.containers.keepOnly(listed, namespace);
  }

  private writePendingEvents(): Promise<void> {
    return this.writes.run(() => this.writeEvents()).catch((error) => this.log.error({ error: (error as Error).message }, 'write failed'));
  }

  /**
   * Stores a complete list as it arrives, in one transaction (or one request). It is not retried
   * here: the pages are read once, so a failed write fails the list, and the reflector lists again.
   */
  private async writeList(pages: AsyncIterable<object[]>, namespace: string | undefined, listedAt: number): Promise<void> {
    // Events seen before this list are older than it: write them first, so that the list has the last word.
    await this.writeEvents();
    // Every owner of the scope: cheaper than reading 50,000 pods again to pick the ones they name.
    const owners = [...this.owners].filter(([key]) => !namespace || key.startsWith(`${namespace}/`)).map(([, text]) => text);
    const name = `${this.target.context} pods${namespace ? ` in ${namespace}` : ''} (list)`;
    // A failure of the list itself (its pages) or of the write reaches the reflector as it was thrown.
    const written = await this.sink.ingestKubernetesList(name, { owners, pods: pages }, this.ingestOptions(namespace));
    this.backoff.reset();
    this.log.info({ namespace, pods: written.applied + written.unchanged, stopped: written.stoppedBySnapshot, listAgeMs: Date.now() - listedAt }, 'stored a complete list');
    this.listedScopes.add(namespace);
    if (this.listedScopes.size === Math.max(1, this.settings.namespaces.length) && this.health.synced(this.target.clusterArn)) this.log.info('recovered');
  }

  private async writeEvents(): Promise<void> {
    if (this.pending.size === 0) return;
    const events = [...this.pending.values()];
    this.pending = new Map();
    const owners = this.ownersOf(events.map((e) => e.object)).map((text) => `{"type":"ADDED","object":${text}}`);
    const name = `${this.target.context} pod events`;
    const written = await this.write(name, () => this.sink.ingest(name, [...owners, ...events.map((e) => JSON.stringify(e))], this.ingestOptions(undefined)));
    if (written instanceof IngestRejection) this.log.error({ input: name, error: written.message }, 'the ingest rejected a batch: skipped');
    else if (written) this.log.debug({ events: events.length, applied: written.applied }, 'stored watch events');
  }

  /** The ReplicaSets and Jobs that own these pods, so that the ingest finds their workloads. */
  private ownersOf(podList: Json[]): string[] {
    const found = new Map<string, string>();
    for (const pod of podList) {
      for (const ref of pod.metadata.ownerReferences ?? []) {
        const key = ownerKey(pod.metadata.namespace, ref.kind, ref.name);
        const owner = this.owners.get(key);
        if (owner) found.set(key, owner);
      }
    }
    return [...found.values()];
  }

  private ingestOptions(namespace: string | undefined): IngestOptions {
    return { format: 'kubernetes', accountId: this.settings.accountId, clusterArn: this.target.clusterArn, ...(namespace && { namespace }) };
  }

  /** Writes one input, retrying while the store or server is unavailable: its summary, its rejection, or undefined if the feed stopped. */
  private async write(name: string, ingest: () => Promise<IngestSummary>): Promise<IngestSummary | IngestRejection | undefined> {
    for (;;) {
      try {
        const summary = await ingest();
        this.backoff.reset();
        return summary;
      } catch (error) {
        if (error instanceof IngestRejection) return error;
        const wait = this.backoff.next();
        this.health.failed(this.target.clusterArn, `writing: ${(error as Error).message}`);
        this.log.warn({ input: name, error: (error as Error).message, retryInMs: Math.round(wait) }, 'write failed: retrying');
        if (this.stopped?.aborted) return undefined;
        await sleep(wait, this.stopped ?? new AbortController().signal);
      }
    }
  }
}

function settledIn(scopes: Map<string | undefined, Settled>, namespace: string | undefined, parts: string[]): Settled {
  let settled = scopes.get(namespace);
  if (!settled) scopes.set(namespace, (settled = new Settled(parts)));
  return settled;
}
