// `imagescope watch ecs` as a child process against an ECS API double driven by the real
// @aws-sdk/client-ecs (reached through AWS_ENDPOINT_URL_ECS, as a user would point it): paged
// ListClusters/ListTasks, DescribeTasks in batches, tasks and clusters coming and going between polls,
// throttling, AccessDenied on one cluster while the others go on, writing to a store or a server,
// SIGKILL and restart; checked through the real Inspector2 SDK client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import { databaseKinds } from './helpers/databases.ts';
import { inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';
import { eventually, runningAndStopped, startWatcher, type WatcherProcess } from './helpers/watcher.ts';
import { startEcsApiDouble, type EcsApiDouble } from './doubles/ecs-api.ts';

const account = '111122223333';
const image = (repo: string, c: string, region = 'us-west-2') => ({ ref: `${account}.dkr.ecr.${region}.amazonaws.com/${repo}:1`, digest: `sha256:${c.repeat(64)}`, id: `arn:aws:ecr:${region}:${account}:repository/${repo}/sha256:${c.repeat(64)}` });
const web = image('web', 'a');
const job = image('job', 'b', 'eu-west-1');
const awsEnv = (url: string) => ({ AWS_ENDPOINT_URL_ECS: url, AWS_ACCESS_KEY_ID: 'AKIDWATCHER', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });

function task(group: string, img: { ref: string; digest: string }, extra: Record<string, unknown> = {}) {
  return { group, lastStatus: 'RUNNING', desiredStatus: 'RUNNING', startedAt: new Date(Date.now() - 60_000), containers: [{ name: 'main', image: img.ref, imageDigest: img.digest }], ...extra };
}

/** Per cluster name and group: running, stopped, and last use (epoch s), as GetClustersForImage answers. */
async function usage(server: TestServer, resourceId: string) {
  const out = await inspector2Client(server.url).send(new GetClustersForImageCommand({ filter: { resourceId } }));
  const rows: Record<string, { running: number; stopped: number; lastInUse: number }> = {};
  for (const cluster of out.cluster ?? []) {
    for (const d of cluster.clusterDetails ?? []) {
      rows[`${cluster.clusterArn!.split('/').pop()}/${d.clusterMetadata!.awsEcsMetadataDetails!.detailsGroup}`] = { running: d.runningUnitCount!, stopped: d.stoppedUnitCount!, lastInUse: d.lastInUse!.getTime() };
    }
  }
  return rows;
}

for (const kind of databaseKinds) {
  describe(`imagescope watch ecs on ${kind.name}`, () => {
    let ecs: EcsApiDouble;
    let server: TestServer;
    let watcher: WatcherProcess;
    const prodTasks: string[] = [];
    const start = (sink: string[] = ['--db', server.database.location]) =>
      startWatcher(['ecs', '--region', 'us-west-2', '--region', 'eu-west-1', '--interval', '1s', '--account-id', account, '--health-port', '0', ...sink], awsEnv(ecs.url));

    before(async () => {
      ecs = await startEcsApiDouble({ accountId: account });
      ecs.setPageSize(3);
      for (let i = 0; i < 7; i++) prodTasks.push(ecs.putTask('prod', task('service:web', web), 'us-west-2').taskArn);
      ecs.putTask('batch', task('family:job', job), 'eu-west-1');
      server = await startTestServer(kind);
    });
    after(async () => {
      watcher?.child.kill('SIGKILL');
      await server.stop();
      await ecs.close();
    });

    it('polls every region and cluster, every page, and is ready after the first poll', async () => {
      watcher = start();
      const { port } = await watcher.waitForLog((l) => l.msg === 'serving /live and /ready');
      await eventually(async () => {
        assert.deepEqual(runningAndStopped(await usage(server, web.id)), { 'prod/service:web': [7, 0] });
        assert.deepEqual(runningAndStopped(await usage(server, job.id)), { 'batch/family:job': [1, 0] });
      });
      await eventually(async () => assert.equal((await fetch(`http://127.0.0.1:${port}/ready`)).status, 200));
      const listTasks = ecs.calls.filter((c) => c.operation === 'ListTasks' && c.region === 'us-west-2' && c.input.desiredStatus === 'RUNNING');
      assert.ok(listTasks.some((c) => c.input.nextToken), 'followed ListTasks pages');
      assert.ok(ecs.calls.some((c) => c.operation === 'ListClusters' && c.region === 'eu-west-1'));
    });

    it('follows stops, tasks that vanish, new clusters, and refreshes lastInUse of running tasks every poll', async () => {
      const before = (await usage(server, web.id))['prod/service:web'].lastInUse;
      ecs.putTask('prod', { taskArn: prodTasks[0], lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedAt: new Date(Date.now() - 5_000) }, 'us-west-2');
      ecs.removeTask(prodTasks[1]);
      ecs.putTask('canary', task('service:web-canary', web), 'us-west-2');
      await eventually(async () => {
        const rows = await usage(server, web.id);
        assert.deepEqual(runningAndStopped(rows), { 'canary/service:web-canary': [1, 0], 'prod/service:web': [5, 2] });
        assert.ok(rows['prod/service:web'].lastInUse > before, 'a later poll moved lastInUse');
      });
    });

    it('stops the tasks of a cluster that is deleted', async () => {
      ecs.removeCluster('canary', 'us-west-2');
      await eventually(async () => assert.deepEqual(runningAndStopped(await usage(server, web.id))['canary/service:web-canary'], [0, 1]));
      await watcher.waitForLog((l) => l.msg === 'cluster gone: its tasks stopped');
    });

    it('is retried through throttling; AccessDenied names the missing action while other clusters go on', async () => {
      ecs.injectError({ operation: 'ListTasks', cluster: 'prod', region: 'us-west-2' }, 'ThrottlingException', 2);
      ecs.injectError({ operation: 'ListTasks', cluster: 'batch', region: 'eu-west-1' }, 'AccessDeniedException', 1);
      ecs.putTask('prod', task('service:web', web), 'us-west-2');
      const denied = await watcher.waitForLog((l) => /^permission missing/.test(l.msg ?? ''));
      assert.equal(denied.missingPermission, 'ecs:ListTasks');
      assert.equal(denied.msg, 'permission missing: ecs:ListTasks (see deploy/aws/ecs-watcher-policy.json)');
      await eventually(async () => assert.deepEqual(runningAndStopped(await usage(server, web.id))['prod/service:web'], [6, 2]));
      assert.deepEqual(runningAndStopped(await usage(server, job.id)), { 'batch/family:job': [1, 0] }, 'the denied cluster keeps what it had');
    });

    it('killed, a task stopped and forgotten while it is down, restarted: the stop is there, no task twice', async () => {
      watcher.child.kill('SIGKILL');
      await watcher.exit();
      ecs.removeTask(prodTasks[2]);
      watcher = start();
      await eventually(async () => assert.deepEqual(runningAndStopped(await usage(server, web.id))['prod/service:web'], [5, 3]));
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
    });

    it('writes through a running server with --endpoint, as a hand ingest would', async () => {
      ecs.putTask('batch', task('family:job', job), 'eu-west-1');
      watcher = start(['--endpoint', server.url]);
      await eventually(async () => assert.deepEqual(runningAndStopped(await usage(server, job.id)), { 'batch/family:job': [2, 0] }));
      watcher.child.kill('SIGTERM');
      assert.equal(await watcher.exit(), 0);
    });
  });
}
