// The package a user installs: `npm pack`, then `npm install -g --prefix DIR` of the tarball (no dev
// dependencies), then the installed `imagescope` serving, ingesting a shared fixture and answering the
// real AWS SDK and the AWS CLI; and no command, installed or in the clone, loading a TypeScript loader.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand } from '@aws-sdk/client-imagebuilder';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import { awsCli, awsCliMissing } from './helpers/aws-clients.ts';
import { cloneCli, exitOf, runCli, startServeProcess } from './helpers/cli.ts';
import { sharedFixture } from './helpers/fixtures.ts';
import { imagebuilderClient, inspector2Client } from './helpers/server.ts';
import { tempDir } from './helpers/temp.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
const account = '111122223333';
const alpine = `${account}.dkr.ecr.us-west-2.amazonaws.com/alpine:3.9@sha256:${'9'.repeat(64)}`;
const helloImage = 'arn:aws:ecr:us-west-2:111122223333:repository/hello-repository/sha256:74b2c688c700ec95a93e478cdb959737c148df3fbf5ea706abe0318726e885e6';
const loaders = /\/node_modules\/(tsx|typescript|esbuild|get-tsconfig|ts-node)\/|\.ts$/m;

/** Runs a CLI command with every module it loads recorded; returns the result and the module list. */
async function recorded(dir: string, args: string[], cli: string[], stdin?: string) {
  const file = `${dir}/modules-${args[0]}-${Date.now()}.txt`;
  writeFileSync(file, '');
  const env = { IMAGESCOPE_RECORD_MODULES: file, NODE_OPTIONS: `--import=${root}test/helpers/record-modules.mjs` };
  const result = await runCli(args, { cli, env, stdin });
  return { ...result, modules: readFileSync(file, 'utf8') };
}

describe('the installable package', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let installed: string[];
  let tarball: string;

  before(async () => {
    dir = await tempDir();
    const [packed] = JSON.parse((await run('npm', ['pack', '--json', '--pack-destination', dir.path], { cwd: root })).stdout) as { filename: string }[];
    tarball = `${dir.path}/${packed.filename}`;
    // The user's command; the npm cache that `npm ci` filled keeps it to the registry's metadata.
    await run('npm', ['install', '-g', '--prefix', `${dir.path}/prefix`, tarball, '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir.path, maxBuffer: 16 << 20 });
    installed = [`${dir.path}/prefix/bin/imagescope`];
  });
  after(() => dir.remove());

  it('holds only what runs: the CLI entry, the compiled code, the model files, README and package.json', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n');
    const allowed = /^package\/(package\.json|README\.md|bin\/(imagescope|build-freshness)\.js|dist\/[\w-]+\.js|dist\/\w+\.model\.json)$/;
    assert.deepEqual(files.filter((f) => !allowed.test(f)), []);
    assert.ok(files.includes('package/dist/main.js') && files.includes('package/dist/inspector2.model.json'));
    const modules = `${dir.path}/prefix/lib/node_modules/imagescope/node_modules`;
    for (const dev of ['tsx', 'typescript', 'esbuild', '@aws-sdk/client-imagebuilder', 'autocannon']) assert.equal(existsSync(`${modules}/${dev}`), false, `${dev} is not installed`);
    assert.ok(existsSync(`${modules}/better-sqlite3/build/Release/better_sqlite3.node`), 'better-sqlite3 is built for this Node');
  });

  it('serves from the prefix, ingests a shared fixture with the installed CLI and answers the real SDK', async () => {
    assert.equal((await runCli(['--version'], { cli: installed })).stdout.trim(), version);
    const db = `${dir.path}/data.sqlite`;
    const server = await startServeProcess(['--port', '0', '--db', db], {}, installed);
    try {
      const ingested = await recorded(dir.path, ['ingest', '--db', db, '--account-id', account, '--image', alpine, sharedFixture('trivy/alpine-39.json')], installed);
      assert.equal(ingested.code, 0, ingested.stderr);
      assert.doesNotMatch(ingested.modules, loaders);
      assert.equal((await runCli(['ingest', '--db', db, '--account-id', account, sharedFixture('ecs/task-state-change-running.json')], { cli: installed })).code, 0);
      const out = await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({}));
      assert.deepEqual(out.responses, [{ accountAggregation: { accountId: account, severityCounts: { all: 6, critical: 2, high: 0, medium: 4 } } }]);
      const clusters = await inspector2Client(server.url).send(new GetClustersForImageCommand({ filter: { resourceId: helloImage } }));
      assert.deepEqual(clusters.cluster!.map((c) => c.clusterArn), ['arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster']);
      assert.equal((await fetch(`${server.url}/_imagescope/health/ready`)).status, 200);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await exitOf(server.child), 0);
    }
  });

  it('answers the AWS CLI from the installed server', { skip: awsCliMissing }, async () => {
    const db = `${dir.path}/data.sqlite`;
    const server = await startServeProcess(['--port', '0', '--db', db], {}, installed);
    try {
      const aggregations = await awsCli(['imagebuilder', 'list-image-scan-finding-aggregations', '--filter', 'name=vulnerabilityId,values=CVE-2019-14697'], server.url);
      assert.deepEqual(aggregations.responses, [{ vulnerabilityIdAggregation: { vulnerabilityId: 'CVE-2019-14697', severityCounts: { all: 2, critical: 2, high: 0, medium: 0 } } }]);
      const clusters = await awsCli(['inspector2', 'get-clusters-for-image', '--filter', `resourceId=${helloImage}`], server.url);
      assert.equal(clusters.cluster[0].clusterArn, 'arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster');
      assert.equal(clusters.cluster[0].clusterDetails[0].runningUnitCount, 1);
    } finally {
      server.child.kill('SIGTERM');
      await exitOf(server.child);
    }
  });

  it('loads no TypeScript loader in any command, installed or in the clone', async () => {
    const db = `${dir.path}/clone.sqlite`;
    for (const cli of [installed, cloneCli]) {
      for (const args of [['--version'], ['help', 'ingest'], ['keys', 'list', '--db', db], ['check', '--db', db], ['ingest', '--db', db, sharedFixture('ecs/task-state-change-running.json')], ['serve', '--bogus']]) {
        const result = await recorded(dir.path, args, cli);
        assert.ok(result.modules.includes('/dist/main.js'), `${args.join(' ')} ran the compiled CLI`);
        assert.doesNotMatch(result.modules, loaders, `${cli[0]} ${args.join(' ')}`);
      }
    }
  });
});

describe('a clone whose build is missing or older than its sources', () => {
  it('stops with one line that says what to run, instead of running old code', async () => {
    const dir = await tempDir();
    try {
      mkdirSync(`${dir.path}/bin`);
      mkdirSync(`${dir.path}/src/cli`, { recursive: true });
      for (const file of ['imagescope.js', 'build-freshness.js']) copyFileSync(`${root}bin/${file}`, `${dir.path}/bin/${file}`);
      writeFileSync(`${dir.path}/src/cli/main.ts`, '');
      const cli = [process.execPath, `${dir.path}/bin/imagescope.js`];
      let result = await runCli(['--version'], { cli });
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `imagescope: dist/ has not been built; run \`npm run build\` in ${dir.path}/\n`);
      symlinkSync(`${root}dist`, `${dir.path}/dist`);
      // Times relative to the build stamp's, which the file system dated (not this process's clock).
      const built = statSync(`${root}dist/build-stamp`).mtimeMs;
      const later = new Date(built + 60_000);
      utimesSync(`${dir.path}/src/cli/main.ts`, later, later);
      result = await runCli(['--version'], { cli });
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `imagescope: src/cli/main.ts changed after the last build; run \`npm run build\` in ${dir.path}/\n`);
      const earlier = new Date(built - 3_600_000);
      utimesSync(`${dir.path}/src/cli/main.ts`, earlier, earlier);
      result = await runCli(['--version'], { cli });
      assert.equal(result.stdout.trim(), version, 'a current build runs');
    } finally {
      await dir.remove();
    }
  });
});
