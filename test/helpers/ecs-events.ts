// Builds "ECS Task State Change" events for tests that need many tasks or clusters.
export interface TaskEventSpec {
  cluster: string;
  task: string;
  image?: string;
  digest?: string;
  status?: string;
  version?: number;
  time?: string;
  group?: string;
  account?: string;
}

export function ecsTaskEvent(spec: TaskEventSpec): object {
  const account = spec.account ?? '111122223333';
  const time = spec.time ?? '2026-11-21T10:00:00Z';
  const status = spec.status ?? 'RUNNING';
  return {
    version: '0',
    id: `${spec.cluster}-${spec.task}-${spec.version ?? 1}`,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account,
    time,
    region: 'us-west-2',
    resources: [],
    detail: {
      clusterArn: `arn:aws:ecs:us-west-2:${account}:cluster/${spec.cluster}`,
      taskArn: `arn:aws:ecs:us-west-2:${account}:task/${spec.cluster}/${spec.task}`,
      taskDefinitionArn: `arn:aws:ecs:us-west-2:${account}:task-definition/app:1`,
      group: spec.group ?? 'service:app',
      lastStatus: status,
      version: spec.version ?? 1,
      ...(status === 'STOPPED' ? { stoppedAt: time } : {}),
      containers: [
        {
          name: 'app',
          image: spec.image ?? `${account}.dkr.ecr.us-west-2.amazonaws.com/app:1`,
          imageDigest: spec.digest ?? `sha256:${'a'.repeat(64)}`,
        },
      ],
    },
  };
}

export function jsonLines(values: object[]): string {
  return values.map((v) => JSON.stringify(v)).join('\n');
}
