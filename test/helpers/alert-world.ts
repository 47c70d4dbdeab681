// What the alert tests ingest: small Trivy reports and Deployments' pod lists built here, sent
// through the server's real ingest endpoint, and the alerts file's shared secret.
import assert from 'node:assert/strict';
import { ingestViaEndpoint, type TestServer } from './server.ts';

export const account = '111122223333';
export const secret = `whsec_${Buffer.from('a-test-secret-of-thirty-two-bytes!!').toString('base64')}`;
export const digest = (c: string) => `sha256:${c.repeat(64)}`;
const registry = `${account}.dkr.ecr.us-west-2.amazonaws.com`;
/** An ECR image reference by digest: repository `repo`, digest `c` x 64. */
export const image = (repo: string, c: string) => `${registry}/${repo}@${digest(c)}`;
export const eksCluster = (name: string) => `arn:aws:eks:us-west-2:${account}:cluster/${name}`;
/** The relay's timings, shortened. */
export const fastAlerts = { IMAGESCOPE_ALERT_TICK_MS: '50', IMAGESCOPE_ALERT_BACKOFF_MS: '100' };

export interface Vuln { id: string; pkg: string; version: string; severity: string; fixed?: string }

/** A Trivy report of one image (the digest is given at ingest). */
export function trivyReport(vulns: Vuln[], createdAt: string): string {
  return JSON.stringify({
    SchemaVersion: 2, CreatedAt: createdAt, ArtifactName: 'app', ArtifactType: 'container_image', Metadata: {},
    Results: [{ Target: 'app (alpine 3.19.1)', Class: 'os-pkgs', Type: 'alpine', Vulnerabilities: vulns.map((v) => ({ VulnerabilityID: v.id, PkgName: v.pkg, InstalledVersion: v.version, ...(v.fixed && { FixedVersion: v.fixed }), Severity: v.severity })) }],
  });
}

/** `kubectl get rs,pods -A -o json` of Deployments' pods: [namespace, deployment, pod suffix, image]. */
export function podList(pods: [string, string, string, string][]): string {
  const items = pods.flatMap(([namespace, deployment, suffix, ref]) => [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `${deployment}-5d8f`, namespace, uid: `rs-${namespace}-${deployment}`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, uid: `d-${deployment}`, controller: true }] } },
    {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `${deployment}-5d8f-${suffix}`, namespace, uid: `pod-${namespace}-${deployment}-${suffix}`, resourceVersion: '1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${deployment}-5d8f`, uid: `rs-${namespace}-${deployment}`, controller: true }] },
      spec: { containers: [{ name: 'main', image: ref.replace(/@.*/, ':1') }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'main', image: ref.replace(/@.*/, ':1'), imageID: ref, ready: true, restartCount: 0, state: { running: { startedAt: '2026-12-01T00:00:00Z' } } }] },
    },
  ]);
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

export async function ingest(server: Pick<TestServer, 'url'>, text: string, params: Record<string, string>): Promise<void> {
  const result = await ingestViaEndpoint(server.url, text, params);
  assert.equal(result.status, 200, JSON.stringify(result.body));
}

/** Waits long enough for a batch window and a few relay ticks to pass. */
export const settle = (ms = 700) => new Promise((r) => setTimeout(r, ms));
