// The real CLI as a child process: `imagescope ingest` straight into a store and through a running
// server's endpoint, rejections of malformed files, and `imagescope serve` start-up and shutdown.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand } from '@aws-sdk/client-imagebuilder';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import { databaseKinds, type TestDatabase } from './helpers/databases.ts';
import { exitOf, runCli, startServeProcess } from './helpers/cli.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { ownFixture, readFixture, sharedFixture } from './helpers/fixtures.ts';
import { imagebuilderClient, ingestViaEndpoint, inspector2Client } from './helpers/server.ts';
import { digestOf, trivyReport } from './helpers/reports.ts';
import { tempDir } from './helpers/temp.ts';
import { FindingIds } from '../src/domain/finding-ids.ts';
import { openStore } from '../src/store/open-store.ts';
import type { KyselyStore } from '../src/store/kysely-store.ts';

const helloImage = 'arn:aws:ecr:us-west-2:111122223333:repository/hello-repository/sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6';
const appImage = `arn:aws:ecr:us-west-2:111122223333:repository/app/sha256:${'a'.repeat(64)}`;
const apps = 'arn:aws:eks:us-west-2:111122223333:cluster/apps';

async function clustersOf(url: string, resourceId: string): Promise<string[]> {
  const out = await inspector2Client(url).send(new GetClustersForImageCommand({ filter: { resourceId } }));
  return out.cluster!.map((c) => c.clusterArn!);
}

for (const kind of databaseKinds) {
  describe(`imagescope CLI on ${kind.name}`, () => {
    let database: TestDatabase;
    let dir: Awaited<ReturnType<typeof tempDir>>;
    let server: Awaited<ReturnType<typeof startServeProcess>>;
    before(async () => {
      database = await kind.create();
      dir = await tempDir();
      server = await startServeProcess(['--port', '0', '--db', database.location]);
    });
    after(async () => {
      server.child.kill('SIGTERM');
      await exitOf(server.child);
      await database.drop();
      await dir.remove();
    });

    it('serve prints the real port it bound when asked for port 0', () => {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(server.url.endsWith(':0'), true);
    });

    it('ingests into the store while the server runs, and the server sees it at once', async () => {
      const result = await runCli(['ingest', '--db', database.location, '--account-id', '111122223333', sharedFixture('ecs/task-state-change-running.json'), ownFixture('kubernetes/pods.json'), '--cluster-arn', apps]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /task-state-change-running\.json \(ecs\): 1 stored, 0 unchanged \(replayed or older\), 0 stopped by snapshot, 0 skipped/);
      assert.match(result.stdout, /pods\.json \(kubernetes\): 8 stored/);
      assert.ok(result.stdout.includes(`    ${helloImage}\n`), 'prints the resource id of every image');
      assert.match(result.stdout, /skipped \$\.items\[7\]\.spec\.containers\[0\]: image '.*web:2\.4\.1' has no manifest digest yet/);
      assert.deepEqual(await clustersOf(server.url, helloImage), ['arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster']);
    });

    it('ingests through the server endpoint and from stdin', async () => {
      const events = jsonLines([ecsTaskEvent({ cluster: 'from-stdin', task: 't1' })]);
      const result = await runCli(['ingest', '--endpoint', server.url, '--account-id', '111122223333', '--json', '-'], { stdin: events });
      assert.equal(result.code, 0, result.stderr);
      const [summary] = JSON.parse(result.stdout);
      assert.equal(summary.file, '-');
      assert.equal(summary.format, 'ecs');
      assert.equal(summary.applied, 1);
      assert.deepEqual(summary.images, [appImage]);
      assert.deepEqual(await clustersOf(server.url, appImage), ['arn:aws:ecs:us-west-2:111122223333:cluster/from-stdin']);
    });

    it('rejects a malformed file whole, naming the file, the JSON path and the reason', async () => {
      const events = [ecsTaskEvent({ cluster: 'half-1', task: 't1' }), ecsTaskEvent({ cluster: 'half-2', task: 't2' }), ecsTaskEvent({ cluster: 'half-3', task: 't3' })];
      delete (events[2] as { detail: Record<string, unknown> }).detail.taskArn;
      const file = `${dir.path}/broken.jsonl`;
      await writeFile(file, jsonLines(events));
      for (const target of [['--db', database.location], ['--endpoint', server.url]]) {
        const result = await runCli(['ingest', ...target, '--account-id', '111122223333', file]);
        assert.equal(result.code, 1);
        assert.equal(result.stderr.trim(), `rejected ${file}: line 3: $.detail.taskArn: required string is missing (nothing of it was stored)`);
      }
      assert.deepEqual(await clustersOf(server.url, appImage), ['arn:aws:ecs:us-west-2:111122223333:cluster/from-stdin'], 'the valid first lines were not stored either');
    });

    it('explains every kind of unusable input and exits non-zero, still storing the good files', async () => {
      const cases: [string, string, RegExp][] = [
        ['truncated.json', '{"detail-type": "ECS Task State Change", "detail": {', /truncated\.json: \$: not valid JSON/],
        ['empty.json', '  ', /empty\.json: \$: the file is empty/],
        ['unknown.json', '{"hello": "world"}', /unknown\.json: \$: unrecognised input: expected one of ecs .*kubernetes/],
        ['status.json', JSON.stringify(ecsTaskEvent({ cluster: 'x', task: 't', status: 'EXPLODED' })), /status\.json: \$\.detail\.lastStatus: unknown task status 'EXPLODED'/],
        ['array.json', JSON.stringify([ecsTaskEvent({ cluster: 'x', task: 't' }), { 'detail-type': 'ECS Task State Change', detail: 'nope' }]), /array\.json: \$\[1\]\.detail: expected an object, found a string/],
        ['pod.json', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }), /pod\.json: \$: Kubernetes objects do not name their cluster: pass --cluster-arn/],
      ];
      const good = `${dir.path}/good.json`;
      await writeFile(good, JSON.stringify(ecsTaskEvent({ cluster: 'good-one', task: 't9' })));
      for (const [name, content] of cases) await writeFile(`${dir.path}/${name}`, content);
      const result = await runCli(['ingest', '--db', database.location, '--account-id', '111122223333', ...cases.map(([name]) => `${dir.path}/${name}`), good, `${dir.path}/missing.json`]);
      assert.equal(result.code, 1);
      for (const [, , message] of cases) assert.match(result.stderr, message);
      assert.match(result.stderr, /missing\.json: \$: cannot read the file \(ENOENT\)/);
      assert.match(result.stdout, /good\.json \(ecs\): 1 stored/);
    });

    it('parses the files of --db on a second thread, in groups, in the order given, with stdin and unreadable files where they were', async () => {
      const account = '123412341234';
      // Eight reports of about 1.6 MB: more than the first group's 4 MiB, so several groups.
      const files = await Promise.all(Array.from({ length: 8 }, async (_, i) => {
        const report = JSON.parse(trivyReport(500 + i, 2000, '2026-11-20T00:00:00Z', `111122223333.dkr.ecr.us-west-2.amazonaws.com/big@${digestOf(9000 + i)}`));
        for (const v of report.Results[0].Vulnerabilities) v.Description = `${v.VulnerabilityID}: ${'a long description '.repeat(40)}`;
        const file = `${dir.path}/big-${i}.json`;
        await writeFile(file, JSON.stringify(report));
        return file;
      }));
      const latin1 = `${dir.path}/latin1.json`;
      await writeFile(latin1, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
      const named = [files[0]!, '-', ...files.slice(1, 5), latin1, ...files.slice(5)];
      const result = await runCli(['ingest', '--db', database.location, '--account-id', account, '--json', ...named], { stdin: jsonLines([ecsTaskEvent({ cluster: 'stdin-db', task: 't1' })]) });
      assert.equal(result.code, 1, 'one file was rejected');
      assert.match(result.stderr, /latin1\.json: \$: not valid UTF-8/);
      const summaries = JSON.parse(result.stdout) as { file: string; format: string; findings: number }[];
      assert.deepEqual(summaries.map((s) => s.file), named.filter((n) => n !== latin1), 'in the order given');
      assert.deepEqual(summaries.map((s) => [s.format, s.findings]), [['trivy', 2000], ['ecs', 0], ...Array(7).fill(['trivy', 2000])]);
      const totals = (await imagebuilderClient(server.url, account).send(new ListImageScanFindingAggregationsCommand({}))).responses![0].accountAggregation!.severityCounts!;
      assert.equal(totals.all, 8 * 2000);
      const store = await openStore(database.location);
      try {
        const stored = await (store as KyselyStore).db.selectFrom('vulnerability_details').select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', account).executeTakeFirstOrThrow();
        assert.ok(Number(stored.n) > 0, 'the details read on the worker were stored');
        const rows = await (store as KyselyStore).db.selectFrom('findings').select(['finding_id', 'vulnerability_id', 'package_name', 'package_version', 'image_id']).where('account_id', '=', account).execute();
        const images = await (store as KyselyStore).db.selectFrom('scanned_images').select(['image_id', 'image_repository', 'image_digest']).where('account_id', '=', account).execute();
        const idsOf = new Map(images.map((i) => [Number(i.image_id), new FindingIds({ repository: i.image_repository, digest: i.image_digest })]));
        const mismatched = rows.filter((r) => !idsOf.get(Number(r.image_id))!.of(r.vulnerability_id, r.package_name, r.package_version).equals(Buffer.from(r.finding_id)));
        assert.deepEqual([rows.length, mismatched.length], [8 * 2000, 0], 'the ids derived on the worker are the ids the store derives');
        const versions = await (store as KyselyStore).db.selectFrom('rollup_versions').select('version').where('account_id', '=', account).executeTakeFirstOrThrow();
        assert.ok(Number(versions.version) >= 2, `several groups, one transaction each (rollup version ${versions.version})`);
      } finally {
        await store.close();
      }
    });

    it('writes many reports of one call in one transaction, a malformed one rejected whole and named, the same through --endpoint', async () => {
      const files = [sharedFixture('grype/many_vulns.json'), sharedFixture('grype/check_all_fields.json'), sharedFixture('grype/presenter-image.json')];
      const malformed = `${dir.path}/no-severity-list.json`;
      await writeFile(malformed, JSON.stringify({ SchemaVersion: 2, ArtifactName: 'x', Metadata: { RepoDigests: [`111122223333.dkr.ecr.us-west-2.amazonaws.com/x@sha256:${'e'.repeat(64)}`] }, Results: [{ Target: 'x', Vulnerabilities: 'none' }] }));
      const accountTotals = async (accountId: string) => (await imagebuilderClient(server.url, accountId).send(new ListImageScanFindingAggregationsCommand({}))).responses![0].accountAggregation!.severityCounts;
      const direct = await runCli(['ingest', '--db', database.location, '--account-id', '444455556666', files[0]!, malformed, files[1]!, files[2]!]);
      assert.equal(direct.code, 1);
      assert.match(direct.stderr, /no-severity-list\.json: \$\.Results\[0\]\.Vulnerabilities: expected an array/);
      assert.equal(direct.stdout.match(/report\(s\) applied/g)?.length, 3, direct.stdout);
      const viaEndpoint = await runCli(['ingest', '--endpoint', server.url, '--account-id', '777788889999', files[0]!, malformed, files[1]!, files[2]!]);
      assert.equal(viaEndpoint.code, 1);
      assert.match(viaEndpoint.stderr, /no-severity-list\.json: \$\.Results\[0\]\.Vulnerabilities: expected an array/);
      const totals = await accountTotals('444455556666');
      assert.ok(totals!.all! > 0);
      assert.deepEqual(await accountTotals('777788889999'), totals, 'the same counts either way');
      // One transaction, one rollup version: the direct call moved the account's version once.
      const store = await openStore(database.location);
      try {
        const version = await (store as KyselyStore).db.selectFrom('rollup_versions').select('version').where('account_id', '=', '444455556666').executeTakeFirstOrThrow();
        assert.equal(Number(version.version), 1);
      } finally {
        await store.close();
      }
    });

    it('writes requests that reach the ingest endpoint together in one transaction, each answered with its own summary', async () => {
      const account = '121212121212';
      const reports = Array.from({ length: 8 }, (_, i) => trivyReport(500 + i, 50, undefined, `111122223333.dkr.ecr.us-west-2.amazonaws.com/grouped@${digestOf(500 + i)}`));
      const answers = await Promise.all(reports.map((text, i) => ingestViaEndpoint(server.url, text, { accountId: account, name: `report-${i}.json` })));
      assert.deepEqual(answers.map((a) => [a.status, a.body.file, a.body.applied]), reports.map((_, i) => [200, `report-${i}.json`, 1]));
      const store = await openStore(database.location);
      try {
        const { version } = await (store as KyselyStore).db.selectFrom('rollup_versions').select('version').where('account_id', '=', account).executeTakeFirstOrThrow();
        assert.ok(Number(version) < reports.length, `${reports.length} requests, ${version} transactions`);
      } finally {
        await store.close();
      }
    });

    it('refuses pods outside the namespace a snapshot is limited to', async () => {
      const result = await runCli(['ingest', '--db', database.location, '--cluster-arn', apps, '--namespace', 'monitoring', ownFixture('kubernetes/pods.json')]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /pods\.json: \$\.items\[0\]\.metadata: pod is in namespace 'shop' but the ingest is limited to --namespace 'monitoring'/);
    });

    it('ingests scanner reports tagged with a pipeline and build version, and the AWS API counts them', async () => {
      const result = await runCli([
        'ingest', '--db', database.location, '--account-id', '111122223333',
        '--image-pipeline-arn', 'arn:aws:imagebuilder:us-west-2:111122223333:image-pipeline/web',
        '--image-build-version-arn', 'arn:aws:imagebuilder:us-west-2:111122223333:image/web/1.0.0/3',
        sharedFixture('grype/many_vulns.json'),
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /many_vulns\.json \(grype\): 1 report\(s\) applied with 15 finding\(s\), 0 unchanged/);
      assert.ok(result.stdout.includes('repository/docker.io/library/busybox/sha256:ae39a6f5c07297d7ab64dbd4f82c77c874cc6a94cea29fdec309d0992574b4f7'));
      const out = await imagebuilderClient(server.url).send(
        new ListImageScanFindingAggregationsCommand({ filter: { name: 'imagePipelineArn', values: ['arn:aws:imagebuilder:us-west-2:111122223333:image-pipeline/web'] } }),
      );
      assert.deepEqual(out.responses![0].imagePipelineAggregation!.severityCounts, { all: 15, critical: 1, high: 10, medium: 2 });
    });

    it('rejects a malformed report whole and a report that names no image with how to fix it', async () => {
      const report = JSON.parse(readFixture(sharedFixture('grype/many_vulns.json')));
      delete report.matches[3].artifact.name;
      report.source.target.repoDigests = [`busybox@sha256:${'d'.repeat(64)}`];
      const broken = `${dir.path}/broken-grype.json`;
      await writeFile(broken, JSON.stringify(report));
      let result = await runCli(['ingest', '--db', database.location, '--account-id', '111122223333', broken]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /broken-grype\.json: \$\.matches\[3\]\.artifact\.name: required string is missing \(nothing of it was stored\)/);
      const all = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId', values: ['CVE-2022-48174'] } }));
      assert.equal(all.responses![0].vulnerabilityIdAggregation!.severityCounts!.all, 1, 'only the earlier busybox report counts');
      result = await runCli(['ingest', '--db', database.location, sharedFixture('trivy/alpine-39.json')]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /alpine-39\.json: \$\.Metadata\.RepoDigests: the report names no manifest digest for the image: pass --image/);
      result = await runCli(['ingest', '--db', database.location, '--format', 'trivy', sharedFixture('ecs/task-state-change-running.json')]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /task-state-change-running\.json: \$\.SchemaVersion: required number is missing/);
    });

    it('checks its options before reading any file', async () => {
      for (const [args, message] of [
        [['--account-id', '12'], /account id '12' must be 12 digits/],
        [['--cluster-arn', 'arn:aws:eks:us-west-2:111122223333:nodegroup/x'], /cluster ARN .* must look like/],
        [['--format', 'xml'], /argument 'xml' is invalid\. Allowed choices are auto, ecs, kubernetes/],
        [['--region', 'Mars'], /region 'Mars' is not an AWS region name/],
        [['--image-pipeline-arn', 'arn:aws:imagebuilder:us-west-2:111122223333:pipeline/x'], /image pipeline ARN .* must look like/],
        [['--image-build-version-arn', 'web-1.0'], /image build version ARN 'web-1\.0' must look like/],
        [['--image', 'nginx:latest'], /--image 'nginx:latest' must name the manifest digest/],
      ] as [string[], RegExp][]) {
        const result = await runCli(['ingest', '--db', database.location, ...args, ownFixture('kubernetes/pods.json')]);
        assert.equal(result.code, 2);
        assert.match(result.stderr, message);
      }
    });
  });
}

describe('imagescope serve', () => {
  it('drains an in-flight ingest on SIGTERM and keeps what it acknowledged', async () => {
    const dir = await tempDir();
    const db = `${dir.path}/drain.sqlite`;
    const first = await startServeProcess(['--port', '0', '--db', db]);
    const events = Array.from({ length: 20000 }, (_, i) => ecsTaskEvent({ cluster: `drain-${i % 50}`, task: `t${i}` }));
    const pending = fetch(`${first.url}/_imagescope/ingest?accountId=111122223333`, { method: 'POST', body: jsonLines(events) });
    await new Promise((r) => setTimeout(r, 150));
    first.child.kill('SIGTERM');
    const response = await pending;
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { applied: number }).applied, 20000);
    assert.equal(await exitOf(first.child), 0);
    assert.match(first.stderr(), /SIGTERM: draining in-flight requests and closing the store/);
    const second = await startServeProcess(['--port', '0', '--db', db]);
    try {
      assert.equal((await clustersOf(second.url, appImage)).length, 50);
    } finally {
      second.child.kill('SIGINT');
      assert.equal(await exitOf(second.child), 0);
      await dir.remove();
    }
  });

  it('reads its settings from environment variables', async () => {
    const dir = await tempDir();
    const served = await startServeProcess([], { IMAGESCOPE_PORT: '0', IMAGESCOPE_DB: `${dir.path}/env.sqlite`, IMAGESCOPE_HOST: '127.0.0.1' });
    try {
      assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      served.child.kill('SIGTERM');
      await exitOf(served.child);
      await dir.remove();
    }
  });
});

describe('imagescope introduces itself', () => {
  const commands = [['serve'], ['ingest'], ['keys'], ['keys', 'create'], ['keys', 'list'], ['keys', 'revoke'], ['check'], ['scan'],
    ['watch'], ['watch', 'kubernetes'], ['watch', 'ecs'], ['watch', 'ecr'], ['watch', 'inspector2'], ['watch', 'scan'], ['alerts'], ['alerts', 'test'], ['alerts', 'off']];

  it('prints its version', async () => {
    const { version } = JSON.parse(readFixture(new URL('../package.json', import.meta.url).pathname)) as { version: string };
    for (const flag of ['--version', '-V']) assert.deepEqual(await runCli([flag]), { code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('lists every command, and every command its flags with defaults and an example, through help and --help', async () => {
    const top = await runCli(['help']);
    assert.equal(top.code, 0);
    for (const name of ['serve', 'ingest', 'keys', 'watch', 'scan', 'check']) assert.match(top.stdout, new RegExp(`^  ${name} `, 'm'));
    for (const command of commands) {
      const viaFlag = await runCli([...command, '--help']);
      const viaHelp = await runCli(['help', ...command]);
      assert.equal(viaFlag.code, 0);
      assert.equal(viaHelp.stdout, viaFlag.stdout, `help ${command.join(' ')} is --help`);
      assert.match(viaFlag.stdout, new RegExp(`^Usage: imagescope ${command.join(' ')} `));
      assert.match(viaFlag.stdout, /\nExamples?:\n {2}\$ (imagescope|kubectl) /);
    }
    const serve = (await runCli(['serve', '--help'])).stdout;
    assert.match(serve, /--port <port> +port, 0 for any free one \(default: "4599", env:\s+IMAGESCOPE_PORT\)/);
    assert.match(serve, /--db <path\|url> .*\(default:\s+"\.\/imagescope\.sqlite", env: IMAGESCOPE_DB\)/s);
  });

  it('answers an unknown command or flag with one line naming the closest valid one, and exit code 2', async () => {
    const cases: [string[], string][] = [
      [['serv'], "imagescope: unknown command 'serv'; did you mean serve?\n"],
      [['serve', '--prot', '1'], "imagescope serve: unknown option '--prot'; did you mean --port?\n"],
      [['ingest', '--formta', 'trivy', 'x.json'], "imagescope ingest: unknown option '--formta'; did you mean --format?\n"],
      [['keys', 'revok'], "imagescope keys: unknown command 'revok'; did you mean revoke?\n"],
      [['--verison'], "imagescope: unknown option '--verison'; did you mean --version?\n"],
    ];
    for (const [args, stderr] of cases) assert.deepEqual(await runCli(args), { code: 2, stdout: '', stderr }, args.join(' '));
    const missing = await runCli(['ingest']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, "imagescope ingest: missing required argument 'files' (see `imagescope ingest --help`)\n");
    const badChoice = await runCli(['serve', '--auth', 'basic']);
    assert.equal(badChoice.code, 2);
    assert.match(badChoice.stderr, /^imagescope serve: option '--auth <mode>' argument 'basic' is invalid\. Allowed choices are none, sigv4\. \(see `imagescope serve --help`\)\n$/);
  });
});
