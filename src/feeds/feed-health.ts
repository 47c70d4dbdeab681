// The health of a watcher process, per cluster it covers, and the small HTTP server behind
// --health-port: `/live` while the process runs; `/ready` once every cluster has completed its first
// full list (or poll) and none has been failing for longer than two intervals.
import { createServer, type Server } from 'node:http';

interface ClusterHealth {
  synced: boolean;
  /** Epoch ms of the first failure since the last success; undefined while healthy. */
  failingSince?: number;
  lastError?: string;
}

export class FeedHealth {
  private readonly clusters = new Map<string, ClusterHealth>();

  constructor(private readonly intervalMs: number, private readonly now: () => number = Date.now) {}

  track(cluster: string): void {
    this.clusters.set(cluster, { synced: false });
  }

  /** A full list or poll of the cluster completed and was stored; true when it had been failing. */
  synced(cluster: string): boolean {
    const recovered = this.clusters.get(cluster)?.failingSince !== undefined;
    this.clusters.set(cluster, { synced: true });
    return recovered;
  }

  /** A cluster that no longer exists: nothing to wait for. */
  untrack(cluster: string): void {
    this.clusters.delete(cluster);
  }

  failed(cluster: string, error: string): void {
    const health = this.clusters.get(cluster) ?? { synced: false };
    this.clusters.set(cluster, { ...health, failingSince: health.failingSince ?? this.now(), lastError: error });
  }

  /** Why the watcher is not ready, per cluster; empty when it is. */
  notReady(): Record<string, string> {
    const reasons: Record<string, string> = {};
    for (const [cluster, health] of this.clusters) {
      if (health.failingSince !== undefined && this.now() - health.failingSince > 2 * this.intervalMs) reasons[cluster] = `failing since ${new Date(health.failingSince).toISOString()}: ${health.lastError}`;
      else if (!health.synced) reasons[cluster] = health.lastError ? `no complete list yet: ${health.lastError}` : 'no complete list yet';
    }
    return reasons;
  }
}

export function serveFeedHealth(health: FeedHealth, port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((request, response) => {
    const path = request.url?.split('?')[0];
    const answer = (status: number, body: object) => response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    if (path === '/live') return answer(200, { status: 'live' });
    if (path === '/ready') {
      const reasons = health.notReady();
      return Object.keys(reasons).length === 0 ? answer(200, { status: 'ready' }) : answer(503, { status: 'not ready', clusters: reasons });
    }
    answer(404, { message: 'not found: use /live or /ready' });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
