// GetClustersForImage end to end: real ECS events and Kubernetes pods ingested through the HTTP ingest
// endpoint, queried with the real @aws-sdk/client-inspector2 against a server on port 0, on every store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import { inspector2Model } from '../src/model/service-model.ts';
import { databaseKinds } from './helpers/databases.ts';
import { ownFixture, readFixture, sharedFixture } from './helpers/fixtures.ts';
import { assertMatchesShape } from './helpers/output-shape.ts';
import { ingestViaEndpoint, inspector2Client, postRaw, startTestServer, type TestServer } from './helpers/server.ts';

const repo = (name: string) => `arn:aws:ecr:us-west-2:111122223333:repository/${name}`;
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const web = `${repo('web')}/${digest('a')}`;
const logAgent = `${repo('ghcr.io/acme/log-agent')}/${digest('b')}`;
const batch = `${repo('batch')}/${digest('c')}`;
const postgres = `${repo('docker.io/library/postgres')}/${digest('1')}`;
const prod = 'arn:aws:ecs:us-west-2:111122223333:cluster/prod';
const staging = 'arn:aws:ecs:us-west-2:111122223333:cluster/staging';
const apps = 'arn:aws:eks:us-west-2:111122223333:cluster/apps';
const at = (iso: string) => Date.parse(iso) / 1000;

for (const kind of databaseKinds) {
  describe(`GetClustersForImage on ${kind.name}`, () => {
    let server: TestServer;
    const query = async (resourceId: string, accessKeyId?: string) => {
      const out = await inspector2Client(server.url, accessKeyId).send(new GetClustersForImageCommand({ filter: { resourceId } }));
      return out.cluster ?? [];
    };

    before(async () => {
      server = await startTestServer(kind, { now: Date.parse('2026-11-21T12:00:00Z') });
    });
    after(() => server.stop());

    it('reads the real ECS task state change event from EventBridge', async () => {
      const ingest = await ingestViaEndpoint(server.url, readFixture(sharedFixture('ecs/task-state-change-running.json')));
      assert.equal(ingest.status, 200);
      const resourceId = 'arn:aws:ecr:us-west-2:111122223333:repository/hello-repository/sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6';
      assert.deepEqual(ingest.body.images, [resourceId]);
      const clusters = await query(resourceId);
      assert.deepEqual(clusters, [
        {
          clusterArn: 'arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster',
          clusterDetails: [
            {
              lastInUse: new Date('2020-01-23T17:57:58.103Z'),
              runningUnitCount: 1,
              stoppedUnitCount: 0,
              clusterMetadata: {
                awsEcsMetadataDetails: {
                  detailsGroup: 'family:sample-fargate',
                  taskDefinitionArn: 'arn:aws:ecs:us-west-2:111122223333:task-definition/sample-fargate:1',
                },
              },
            },
          ],
        },
      ]);
    });

    it('folds ECS service and standalone tasks, replays and out-of-order events into counts', async () => {
      const ingest = await ingestViaEndpoint(server.url, readFixture(ownFixture('ecs/service-and-standalone.jsonl')));
      assert.equal(ingest.status, 200, JSON.stringify(ingest.body));
      // 9 events for 6 tasks: the replay of t1 is folded in the batch, t2's late v4 loses to its v5.
      assert.equal(ingest.body.applied, 6);
      assert.equal(ingest.body.unchanged, 3);
      assert.equal(ingest.body.skipped.length, 1, 'the pending task has no image digest yet');
      assert.deepEqual(await query(web), [
        {
          clusterArn: prod,
          clusterDetails: [
            {
              lastInUse: new Date('2026-11-21T09:00:00Z'),
              runningUnitCount: 1,
              stoppedUnitCount: 1,
              clusterMetadata: { awsEcsMetadataDetails: { detailsGroup: 'service:web', taskDefinitionArn: 'arn:aws:ecs:us-west-2:111122223333:task-definition/web:7' } },
            },
          ],
        },
      ]);
    });

    it('keeps stopped-only details within the retention window and drops older ones', async () => {
      const clusters = await query(batch);
      assert.deepEqual(clusters, [
        {
          clusterArn: prod,
          clusterDetails: [
            {
              lastInUse: new Date('2026-11-10T00:00:00Z'),
              runningUnitCount: 0,
              stoppedUnitCount: 0,
              clusterMetadata: {
                awsEcsMetadataDetails: { detailsGroup: 'family:nightly-batch', taskDefinitionArn: 'arn:aws:ecs:us-west-2:111122223333:task-definition/nightly-batch:2' },
              },
            },
          ],
        },
      ]);
    });

    it('answers a repository-wide resource id with every digest of the repository', async () => {
      const clusters = await query(repo('web'));
      assert.deepEqual(clusters.map((c) => c.clusterArn), [prod, staging]);
      const stagingDetails = clusters[1].clusterDetails!;
      assert.equal(stagingDetails.length, 1);
      assert.equal(stagingDetails[0].runningUnitCount, 1);
      assert.deepEqual(stagingDetails[0].lastInUse, new Date('2026-11-21T11:00:00Z'));
    });

    it('tracks images of other registries under the ingesting account', async () => {
      const envoy = `${repo('public.ecr.aws/appmesh/aws-appmesh-envoy')}/${digest('e')}`;
      assert.deepEqual((await query(envoy)).map((c) => c.clusterArn), [staging]);
    });

    it('reads a kubectl pod list: namespaces, workloads, multi-container pods, restarts, finished jobs', async () => {
      const ingest = await ingestViaEndpoint(server.url, readFixture(ownFixture('kubernetes/pods.json')), { clusterArn: apps });
      assert.equal(ingest.status, 200, JSON.stringify(ingest.body));
      assert.equal(ingest.body.format, 'kubernetes');
      assert.equal(ingest.body.applied, 8);
      assert.equal(ingest.body.skipped.length, 1, 'the pending pod names its image by tag only');
      const now = at('2026-11-21T12:00:00Z');
      const webClusters = await query(web);
      assert.deepEqual(webClusters.map((c) => c.clusterArn), [prod, apps]);
      assert.deepEqual(webClusters[1].clusterDetails, [
        {
          lastInUse: new Date(now * 1000),
          runningUnitCount: 3,
          stoppedUnitCount: 0,
          clusterMetadata: {
            awsEksMetadataDetails: {
              namespace: 'shop',
              workloadInfoList: [
                { name: 'web', type: 'Deployment' },
                { name: 'debug-shell', type: 'Pod' },
              ],
            },
          },
        },
      ]);
      const agent = await query(logAgent);
      assert.deepEqual(
        agent[0].clusterDetails!.map((d) => [d.clusterMetadata!.awsEksMetadataDetails!.namespace, d.runningUnitCount, d.clusterMetadata!.awsEksMetadataDetails!.workloadInfoList]),
        [
          ['monitoring', 1, [{ name: 'log-agent', type: 'DaemonSet' }]],
          ['shop', 2, [{ name: 'web', type: 'Deployment' }]],
        ],
      );
      const db = await query(postgres);
      assert.deepEqual(db[0].clusterDetails![0].clusterMetadata!.awsEksMetadataDetails!.workloadInfoList, [{ name: 'db', type: 'StatefulSet' }]);
      const batchClusters = await query(batch);
      assert.deepEqual(batchClusters.map((c) => c.clusterArn), [prod, apps]);
      assert.deepEqual(batchClusters[1].clusterDetails, [
        {
          lastInUse: new Date('2026-11-21T10:30:00Z'),
          runningUnitCount: 0,
          stoppedUnitCount: 1,
          clusterMetadata: { awsEksMetadataDetails: { namespace: 'jobs', workloadInfoList: [{ name: 'report', type: 'CronJob' }] } },
        },
      ]);
    });

    it('applies watch events: older ones ignored, deletions stop, replays change nothing', async () => {
      server.clock.now = Date.parse('2026-11-21T12:10:00Z');
      const ingest = await ingestViaEndpoint(server.url, readFixture(ownFixture('kubernetes/pods-watch.jsonl')), { clusterArn: apps });
      assert.equal(ingest.status, 200, JSON.stringify(ingest.body));
      assert.equal(ingest.body.applied, 2);
      assert.equal(ingest.body.unchanged, 2);
      const details = (await query(web)).find((c) => c.clusterArn === apps)!.clusterDetails!;
      assert.equal(details[0].runningUnitCount, 3);
      assert.equal(details[0].stoppedUnitCount, 1);
      assert.deepEqual(details[0].lastInUse, new Date('2026-11-21T12:10:00Z'));
      const again = await ingestViaEndpoint(server.url, readFixture(ownFixture('kubernetes/pods-watch.jsonl')), { clusterArn: apps });
      assert.equal(again.body.applied, 0, 'replaying the whole stream changes nothing');
    });

    it('resolves owners from ReplicaSet and Job objects listed with the pods', async () => {
      const ingest = await ingestViaEndpoint(server.url, readFixture(ownFixture('kubernetes/pods-with-owners.json')), {
        clusterArn: 'arn:aws:eks:us-west-2:111122223333:cluster/owners',
      });
      assert.equal(ingest.status, 200, JSON.stringify(ingest.body));
      const cluster = (await query(web)).find((c) => c.clusterArn!.endsWith('/owners'))!;
      assert.deepEqual(
        cluster.clusterDetails!.map((d) => d.clusterMetadata!.awsEksMetadataDetails!.workloadInfoList),
        [[{ name: 'cleanup', type: 'CronJob' }], [{ name: 'api-v2', type: 'Deployment' }]],
      );
    });

    it('counts units stopped in the last 24 hours only, and forgets them after the retention window', async () => {
      server.clock.now = Date.parse('2026-11-22T09:30:00Z');
      let prodWeb = (await query(web)).find((c) => c.clusterArn === prod)!.clusterDetails![0];
      assert.equal(prodWeb.stoppedUnitCount, 0, 't2 stopped more than 24 hours ago');
      assert.equal(prodWeb.runningUnitCount, 1);
      server.clock.now = Date.parse('2026-11-24T12:00:00Z');
      assert.deepEqual((await query(batch)).map((c) => c.clusterArn), [apps], 'nightly-batch:2 stopped 14 days ago');
      server.clock.now = Date.parse('2026-12-06T12:00:00Z');
      prodWeb = (await query(web)).find((c) => c.clusterArn === prod)!.clusterDetails![0];
      assert.equal(prodWeb.runningUnitCount, 1, 'running units are always reported');
      server.clock.now = Date.parse('2026-11-21T12:20:00Z');
    });

    it('marks pods missing from a later snapshot as stopped at the snapshot time', async () => {
      const ingest = await ingestViaEndpoint(server.url, readFixture(ownFixture('kubernetes/pods-without-db.json')), { clusterArn: apps });
      assert.equal(ingest.status, 200, JSON.stringify(ingest.body));
      // db-0 left the list, and so did web-...-klmno, which only the watch stream had reported.
      assert.equal(ingest.body.stoppedBySnapshot, 2);
      const db = (await query(postgres))[0].clusterDetails![0];
      assert.equal(db.runningUnitCount, 0);
      assert.equal(db.stoppedUnitCount, 1);
      assert.deepEqual(db.lastInUse, new Date('2026-11-21T12:20:00Z'));
    });

    it('limits a namespace snapshot to that namespace', async () => {
      const empty = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [] });
      const ingest = await ingestViaEndpoint(server.url, empty, { clusterArn: apps, namespace: 'monitoring' });
      assert.equal(ingest.body.stoppedBySnapshot, 2, 'log-agent and node-exporter in monitoring');
      const agent = (await query(logAgent))[0].clusterDetails!;
      assert.deepEqual(agent.map((d) => [d.clusterMetadata!.awsEksMetadataDetails!.namespace, d.runningUnitCount, d.stoppedUnitCount]), [
        ['monitoring', 0, 1],
        // web-...-fghij was deleted (watch) and web-...-klmno left the last full snapshot.
        ['shop', 1, 2],
      ]);
    });

    it('answers an image never seen in use with an empty list', async () => {
      assert.deepEqual(await query(`${repo('web')}/${digest('9')}`), []);
      assert.deepEqual(await query(repo('never-pushed')), []);
    });

    it("keeps each account's data to itself", async () => {
      assert.deepEqual(await query(web, '999999999999'), []);
      assert.deepEqual(await query(web, 'AKIAIOSFODNN7EXAMPLE'), [], 'a non-numeric key id is the default account');
    });

    it('sends bodies that match the output shape, with epoch-second numbers', async () => {
      for (const resourceId of [web, logAgent, batch, repo('web'), repo('none')]) {
        const response = await postRaw(server.url, '/cluster/get', JSON.stringify({ filter: { resourceId } }), {
          authorization: 'AWS4-HMAC-SHA256 Credential=111122223333/20261121/us-west-2/inspector2/aws4_request, SignedHeaders=host, Signature=0',
        });
        assert.equal(response.status, 200);
        assert.ok(response.headers.get('x-amzn-requestid'));
        assertMatchesShape(inspector2Model, 'GetClustersForImageResponse', response.json);
      }
    });
  });
}
