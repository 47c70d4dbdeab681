// The data the console tests look at, ingested through the real CLI from the shared fixtures:
// account A has the Trivy alpine 3.9 report on two images, one running (tagged 1.0; the ECS fixture's
// task, and a Deployment's pod on EKS) and one idle, plus a Grype report (busybox:1.32.1); account B has the same report on its
// own running image. CVE-2019-14697 (musl and musl-utils 1.1.20-r4, fixed in 1.1.20-r5, CRITICAL)
// is in every Trivy image.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { runCli } from './cli.ts';
import type { DatabaseKind, TestDatabase } from './databases.ts';
import { ecsTaskEvent, jsonLines } from './ecs-events.ts';
import { sharedFixture } from './fixtures.ts';
import { startTestServer, type TestServer, type TestServerOptions } from './server.ts';
import { tempDir } from './temp.ts';

export const accountA = '111122223333';
export const accountB = '444455556666';
export const cve = 'CVE-2019-14697';
const runningDigest = 'sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6';
/** The image the ECS fixture's task runs. */
export const runningImage = `${accountA}.dkr.ecr.us-west-2.amazonaws.com/hello-repository@${runningDigest}`;
export const runningResourceId = `arn:aws:ecr:us-west-2:${accountA}:repository/hello-repository/${runningDigest}`;
export const idleResourceId = `arn:aws:ecr:us-west-2:${accountA}:repository/idle/sha256:${'b'.repeat(64)}`;
export const eksCluster = `arn:aws:eks:us-west-2:${accountA}:cluster/apps`;
export const ecsCluster = `arn:aws:ecs:us-west-2:${accountA}:cluster/FargateCluster`;
const imageB = `${accountB}.dkr.ecr.us-west-2.amazonaws.com/b-app@sha256:${'c'.repeat(64)}`;

/** A Deployment's ReplicaSet and one running pod of the image, as `kubectl get rs,pods -n shop -o json` lists them. */
function shopList() {
  const replicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-7d4b9c', namespace: 'shop', uid: 'rs-1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'dep-1', controller: true }] } };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-7d4b9c-x1', namespace: 'shop', uid: 'pod-1', resourceVersion: '10', labels: { 'pod-template-hash': '7d4b9c' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c', uid: 'rs-1', controller: true }] },
    spec: { containers: [{ name: 'main', image: `${accountA}.dkr.ecr.us-west-2.amazonaws.com/hello-repository:latest` }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'main', image: 'hello', imageID: runningImage, ready: true, restartCount: 0, state: { running: { startedAt: '2026-11-30T00:00:00Z' } } }] },
  };
  return { apiVersion: 'v1', kind: 'List', items: [replicaSet, pod] };
}

export async function ingestConsoleWorld(database: TestDatabase): Promise<void> {
  const dir = await tempDir();
  try {
    const db = ['--db', database.location];
    const trivy = sharedFixture('trivy/alpine-39.json');
    const pods = `${dir.path}/shop.json`;
    await writeFile(pods, JSON.stringify(shopList()));
    const eventsB = `${dir.path}/b-events.jsonl`;
    await writeFile(eventsB, jsonLines([ecsTaskEvent({ cluster: 'b-cluster', task: 't1', account: accountB, image: `${accountB}.dkr.ecr.us-west-2.amazonaws.com/b-app:1`, digest: `sha256:${'c'.repeat(64)}` })]));
    const runs = [
      [...db, '--account-id', accountA, '--image', runningImage.replace('@', ':1.0@'), '--image-pipeline-arn', `arn:aws:imagebuilder:us-west-2:${accountA}:image-pipeline/hello`, trivy],
      [...db, '--account-id', accountA, '--image', `${accountA}.dkr.ecr.us-west-2.amazonaws.com/idle@sha256:${'b'.repeat(64)}`, trivy],
      [...db, '--account-id', accountA, sharedFixture('grype/many_vulns.json'), sharedFixture('ecs/task-state-change-running.json')],
      [...db, '--account-id', accountA, '--cluster-arn', eksCluster, pods],
      [...db, '--account-id', accountB, '--image', imageB, trivy, eventsB],
    ];
    for (const args of runs) {
      const result = await runCli(['ingest', ...args]);
      assert.equal(result.code, 0, result.stderr);
    }
  } finally {
    await dir.remove();
  }
}

/** A server on port 0 over a new database of `kind` holding the console world. */
export async function startConsoleWorld(kind: DatabaseKind, options: Omit<TestServerOptions, 'database'> = {}): Promise<TestServer> {
  const database = await kind.create();
  await ingestConsoleWorld(database);
  return startTestServer(kind, { ...options, database });
}

/** Stops the ECS fixture's task a minute ago (its next version), through the real CLI. */
export async function stopFixtureTask(database: TestDatabase): Promise<void> {
  const dir = await tempDir();
  try {
    const event = JSON.parse(await readFile(sharedFixture('ecs/task-state-change-running.json'), 'utf8'));
    Object.assign(event.detail, { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: new Date(Date.now() - 60_000).toISOString(), version: event.detail.version + 1 });
    await writeFile(`${dir.path}/stopped.json`, JSON.stringify(event));
    const result = await runCli(['ingest', '--db', database.location, '--account-id', accountA, `${dir.path}/stopped.json`]);
    assert.equal(result.code, 0, result.stderr);
  } finally {
    await dir.remove();
  }
}
