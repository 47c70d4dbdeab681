// Proves the ECS API double against the real @aws-sdk/client-ecs, so tests that poll "ECS" through it
// exercise the same serialization, pagination and error handling they would against AWS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DescribeTasksCommand, ECSClient, ListClustersCommand, ListTasksCommand, paginateListClusters, paginateListTasks,
} from '@aws-sdk/client-ecs';
import { startEcsApiDouble, type EcsApiDouble } from './doubles/ecs-api.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

describe('ECS API double', () => {
  let double: EcsApiDouble;
  const ecs = (region: string, maxAttempts = 1) => new ECSClient({ endpoint: double.url, region, credentials, maxAttempts });

  before(async () => {
    double = await startEcsApiDouble();
  });
  after(() => double.close());

  async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const page of pages) out.push(page);
    return out;
  }

  it('lists clusters per region over several pages', async () => {
    double.setPageSize(2);
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    const arns = names.map((name) => double.addCluster(name, 'ap-south-1'));
    double.addCluster('elsewhere', 'sa-east-1');
    const pages = await collect(paginateListClusters({ client: ecs('ap-south-1') }, {}));
    assert.equal(pages.length, 3);
    assert.deepEqual(pages.flatMap((p) => p.clusterArns), arns);
    assert.equal(arns[0], 'arn:aws:ecs:ap-south-1:111122223333:cluster/alpha');
    const other = await ecs('sa-east-1').send(new ListClustersCommand({}));
    assert.deepEqual(other.clusterArns, ['arn:aws:ecs:sa-east-1:111122223333:cluster/elsewhere']);
    assert.equal(double.calls.at(-1)!.region, 'sa-east-1');
    double.setPageSize(100);
  });

  it('pages ListTasks by desiredStatus, stable while tasks change', async () => {
    double.setPageSize(2);
    const cluster = double.addCluster('paging', 'eu-north-1');
    const running = [1, 2, 3, 4, 5].map(() => double.putTask('paging', {}, 'eu-north-1').taskArn as string).sort();
    const stopped = double.putTask(cluster, { desiredStatus: 'STOPPED', lastStatus: 'STOPPED' }).taskArn;
    const client = ecs('eu-north-1');

    const pages = await collect(paginateListTasks({ client }, { cluster }));
    assert.equal(pages.length, 3);
    assert.deepEqual(pages.flatMap((p) => p.taskArns), running);
    const stoppedList = await client.send(new ListTasksCommand({ cluster: 'paging', desiredStatus: 'STOPPED' }));
    assert.deepEqual(stoppedList.taskArns, [stopped]);

    // Removing a task already returned must neither repeat nor skip the rest.
    const first = await client.send(new ListTasksCommand({ cluster: 'paging' }));
    double.removeTask(first.taskArns![0]);
    const rest = await collect(paginateListTasks({ client, startingToken: first.nextToken }, { cluster: 'paging' }));
    assert.deepEqual(rest.flatMap((p) => p.taskArns), running.slice(2));
    double.setPageSize(100);
  });

  it('describes tasks with Date timestamps, containers and MISSING failures', async () => {
    double.addCluster('describe', 'us-west-2');
    const created = double.putTask('describe', {
      group: 'service:web', createdAt: 1732000000.123, startedAt: '2026-11-21T10:00:00Z',
      containers: [{ name: 'web', image: 'nginx:1.27', imageDigest: `sha256:${'a'.repeat(64)}`, runtimeId: 'r-1' }],
    }, 'us-west-2');
    const updated = double.putTask('describe', { taskArn: created.taskArn, desiredStatus: 'STOPPED', stoppedReason: 'Scaling activity' }, 'us-west-2');
    assert.equal(updated.version, 2);
    const missing = 'arn:aws:ecs:us-west-2:111122223333:task/describe/0123456789abcdef0123456789abcdef';

    const out = await ecs('us-west-2').send(new DescribeTasksCommand({ cluster: 'describe', tasks: [created.taskArn, missing] }));
    assert.deepEqual(out.failures, [{ arn: missing, reason: 'MISSING' }]);
    const [task] = out.tasks!;
    assert.match(task.taskArn!, /^arn:aws:ecs:us-west-2:111122223333:task\/describe\/[0-9a-f]{32}$/);
    assert.equal(task.clusterArn, 'arn:aws:ecs:us-west-2:111122223333:cluster/describe');
    assert.equal(task.group, 'service:web');
    assert.equal(task.desiredStatus, 'STOPPED');
    assert.equal(task.version, 2);
    assert.ok(task.createdAt instanceof Date);
    assert.equal(task.createdAt.getTime(), 1732000000123);
    assert.equal(task.startedAt?.toISOString(), '2026-11-21T10:00:00.000Z');
    assert.equal(task.containers![0].image, 'nginx:1.27');
    assert.equal(task.containers![0].taskArn, created.taskArn);
    assert.equal(task.containers![0].containerArn, created.containers[0].containerArn);

    // A bare task id resolves within the named cluster.
    const byId = await ecs('us-west-2').send(new DescribeTasksCommand({ cluster: 'describe', tasks: [created.taskArn.split('/').pop()] }));
    assert.equal(byId.tasks![0].taskArn, created.taskArn);
  });

  it('rejects unknown clusters and oversized DescribeTasks', async () => {
    const client = ecs('us-east-1');
    await assert.rejects(client.send(new ListTasksCommand({ cluster: 'nope' })), { name: 'ClusterNotFoundException', message: 'Cluster not found.' });
    double.addCluster('default');
    const tasks = Array.from({ length: 101 }, (_, i) => `id${i}`);
    await assert.rejects(client.send(new DescribeTasksCommand({ tasks })), { name: 'InvalidParameterException' });
  });

  it('surfaces throttling with one attempt, and the default retry gets through it', async () => {
    double.addCluster('throttled', 'us-east-2');
    double.putTask('throttled', {}, 'us-east-2');
    double.injectError({ operation: 'ListTasks', cluster: 'throttled' }, 'ThrottlingException');
    await assert.rejects(ecs('us-east-2').send(new ListTasksCommand({ cluster: 'throttled' })), (error: any) => {
      assert.equal(error.name, 'ThrottlingException');
      assert.equal(error.message, 'Rate exceeded');
      assert.equal(error.$metadata.httpStatusCode, 400);
      return true;
    });

    double.injectError({ operation: 'ListTasks', region: 'us-east-2' }, 'ThrottlingException');
    const before = double.calls.length;
    const out = await ecs('us-east-2', 3).send(new ListTasksCommand({ cluster: 'throttled' }));
    assert.equal(out.taskArns!.length, 1);
    assert.equal(double.calls.length - before, 2);
  });

  it('denies access with the message AWS words', async () => {
    const arn = double.addCluster('locked', 'eu-west-1');
    double.injectError({ operation: 'DescribeTasks', cluster: arn }, 'AccessDeniedException');
    await assert.rejects(ecs('eu-west-1').send(new DescribeTasksCommand({ cluster: 'locked', tasks: ['x'] })), {
      name: 'AccessDeniedException',
      message: 'User: arn:aws:sts::111122223333:assumed-role/imagescope-watcher/session is not authorized to perform: '
        + `ecs:DescribeTasks on resource: ${arn} because no identity-based policy allows the ecs:DescribeTasks action`,
    });
    double.injectError({ operation: 'ListClusters', region: 'eu-west-1' }, 'ServerException');
    await assert.rejects(ecs('eu-west-1').send(new ListClustersCommand({})), (error: any) => error.name === 'ServerException' && error.$metadata.httpStatusCode === 500);
  });

  it('is reached through AWS_ENDPOINT_URL_ECS without an endpoint option', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_ECS;
    process.env.AWS_ENDPOINT_URL_ECS = double.url;
    try {
      double.addCluster('from-env', 'ca-central-1');
      const client = new ECSClient({ region: 'ca-central-1', credentials, maxAttempts: 1 });
      const out = await client.send(new ListClustersCommand({}));
      assert.deepEqual(out.clusterArns, ['arn:aws:ecs:ca-central-1:111122223333:cluster/from-env']);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_ECS;
      else process.env.AWS_ENDPOINT_URL_ECS = saved;
    }
  });
});
