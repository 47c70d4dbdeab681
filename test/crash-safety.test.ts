// Crash safety: the server and a direct ingest of many files at once (one transaction) are killed
// with SIGKILL at random points of a large ingest. Afterwards the store is consistent (rollups match
// findings), every acknowledged ingest is there, a direct ingest is there whole or not at all, and
// running the whole ingest again gives exactly the counts of running it once.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand } from '@aws-sdk/client-imagebuilder';
import { openStore } from '../src/store/open-store.ts';
import { exitOf, runCli, startServeProcess } from './helpers/cli.ts';
import { cliPath } from './helpers/cli.ts';
import { databaseKinds } from './helpers/databases.ts';
import { ecsTaskEvent, jsonLines } from './helpers/ecs-events.ts';
import { seededRandom } from './helpers/fuzz.ts';
import { digestOf, trivyReport } from './helpers/reports.ts';
import { imagebuilderClient, inspector2Client } from './helpers/server.ts';
import { tempDir } from './helpers/temp.ts';
import { spawn } from 'node:child_process';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';

const account = '111122223333';
const reports = 16;
const buildArn = (i: number) => `arn:aws:imagebuilder:us-west-2:${account}:image/app/1.0.${i}/1`;
const imageRef = (i: number) => `${account}.dkr.ecr.us-west-2.amazonaws.com/app@${digestOf(i + 1)}`;

interface Input {
  file: string;
  query: Record<string, string>;
  args: string[];
}

async function writeInputs(dir: string): Promise<Input[]> {
  const inputs: Input[] = [];
  for (let i = 0; i < reports; i++) {
    const file = `${dir}/report-${i}.json`;
    await writeFile(file, trivyReport(i, 1500));
    inputs.push({ file, query: { image: imageRef(i), imageBuildVersionArn: buildArn(i) }, args: ['--image', imageRef(i), '--image-build-version-arn', buildArn(i)] });
  }
  for (let i = 0; i < 2; i++) {
    const file = `${dir}/events-${i}.jsonl`;
    await writeFile(file, jsonLines(Array.from({ length: 4000 }, (_, t) => ecsTaskEvent({ cluster: `crash-${i}-${t % 40}`, task: `t${i}-${t}` }))));
    inputs.push({ file, query: {}, args: [] });
  }
  return inputs;
}

/** Per round, files a direct `imagescope ingest` takes in one call (each report names its image). */
const directFilesPerRound = 4;
const directBuildArn = (round: number) => `arn:aws:imagebuilder:us-west-2:${account}:image/direct/1.0.${round}/1`;

async function writeDirectInputs(dir: string, round: number): Promise<string[]> {
  const files: string[] = [];
  for (let k = 0; k < directFilesPerRound; k++) {
    const seed = 100 + round * directFilesPerRound + k;
    files.push(`${dir}/direct-${round}-${k}.json`);
    await writeFile(files.at(-1)!, trivyReport(seed, 1500, undefined, imageRef(seed)));
  }
  return files;
}

const directIngestArgs = (location: string, round: number, files: string[]) => ['ingest', '--db', location, '--account-id', account, '--image-build-version-arn', directBuildArn(round), ...files];

async function post(url: string, input: Input): Promise<boolean> {
  try {
    const { readFile } = await import('node:fs/promises');
    const response = await fetch(`${url}/_imagescope/ingest?${new URLSearchParams({ accountId: account, ...input.query })}`, { method: 'POST', body: await readFile(input.file) });
    return response.status === 200;
  } catch {
    return false; // the server died mid-request: not acknowledged
  }
}

async function snapshot(url: string) {
  const builder = imagebuilderClient(url, account, 'us-west-2', 'x', 5);
  const totals = (await builder.send(new ListImageScanFindingAggregationsCommand({}))).responses![0].accountAggregation!.severityCounts;
  const vulnerabilities: unknown[] = [];
  let nextToken: string | undefined;
  do {
    const page = await builder.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'vulnerabilityId' }, nextToken }));
    vulnerabilities.push(...page.responses!);
    nextToken = page.nextToken;
  } while (nextToken);
  const clusters = (await inspector2Client(url, account, 'us-west-2', 'x', 5).send(new GetClustersForImageCommand({ filter: { resourceId: `arn:aws:ecr:us-west-2:${account}:repository/app` } }))).cluster;
  return { totals, vulnerabilities, clusters };
}

for (const kind of databaseKinds) {
  describe(`crash safety on ${kind.name}`, () => {
    it('loses nothing acknowledged and double-counts nothing after SIGKILLs mid-ingest', async () => {
      const dir = await tempDir();
      const database = await kind.create();
      const reference = await kind.create();
      const random = seededRandom(42);
      try {
        const inputs = await writeInputs(dir.path);
        const directFiles = await Promise.all([0, 1, 2].map((round) => writeDirectInputs(dir.path, round)));
        const acknowledged = new Set<number>();
        const directAcknowledged = new Set<number>();
        for (let round = 0; round < 3; round++) {
          const server = await startServeProcess(['--port', '0', '--db', database.location]);
          // A direct writer of several files in one transaction on the same database, killed too.
          const direct = spawn(process.execPath, [cliPath, ...directIngestArgs(database.location, round, directFiles[round]!)], { stdio: 'ignore' });
          direct.once('exit', (code) => code === 0 && directAcknowledged.add(round));
          let firstAcknowledged: () => void = () => undefined;
          const someAcknowledged = new Promise<void>((resolve) => (firstAcknowledged = resolve));
          const pending = inputs.map((input, i) => post(server.url, input).then((ok) => ok && (acknowledged.add(i), firstAcknowledged())));
          // Kill at a random moment once the first ingest is acknowledged (on a busy machine that can
          // take seconds), so that every round kills with acknowledged and unacknowledged work about.
          await Promise.race([someAcknowledged, new Promise((r) => setTimeout(r, 20_000))]);
          await new Promise((r) => setTimeout(r, random() * 1500));
          server.child.kill('SIGKILL');
          direct.kill('SIGKILL');
          await Promise.all([...pending, exitOf(server.child), exitOf(direct)]);
        }
        const store = await openStore(database.location);
        try {
          assert.deepEqual(await store.checkRollups(account), [], 'rollups match the findings after the crashes');
        } finally {
          await store.close();
        }
        const server = await startServeProcess(['--port', '0', '--db', database.location]);
        try {
          const builder = imagebuilderClient(server.url, account, 'us-west-2', 'x', 5);
          for (const i of acknowledged) {
            if (i >= reports) continue;
            const out = await builder.send(new ListImageScanFindingAggregationsCommand({ filter: { name: 'imageBuildVersionArn', values: [buildArn(i)] } }));
            assert.equal(out.responses!.length, 1, `acknowledged report ${i} is present`);
          }
          const directBuilds = async (url: string) => {
            const out = await imagebuilderClient(url, account, 'us-west-2', 'x', 5).send(
              new ListImageScanFindingAggregationsCommand({ filter: { name: 'imageBuildVersionArn', values: [0, 1, 2].map(directBuildArn) } }),
            );
            return new Map(out.responses!.map((r) => [r.imageAggregation!.imageBuildVersionArn!, r.imageAggregation!.severityCounts]));
          };
          const directAfterCrashes = await directBuilds(server.url);
          for (const input of inputs) assert.equal(await post(server.url, input), true);
          for (let round = 0; round < 3; round++) assert.equal((await runCli(directIngestArgs(database.location, round, directFiles[round]!))).code, 0);
          const recovered = await snapshot(server.url);
          const clean = await startServeProcess(['--port', '0', '--db', reference.location]);
          try {
            for (const input of inputs) assert.equal(await post(clean.url, input), true);
            for (let round = 0; round < 3; round++) assert.equal((await runCli(directIngestArgs(reference.location, round, directFiles[round]!))).code, 0);
            assert.deepEqual(recovered, await snapshot(clean.url), 'the same counts as one clean run');
            const whole = await directBuilds(clean.url);
            for (let round = 0; round < 3; round++) {
              const found = directAfterCrashes.get(directBuildArn(round));
              if (directAcknowledged.has(round)) assert.deepEqual(found, whole.get(directBuildArn(round)), `acknowledged direct ingest ${round} is there whole`);
              else if (found) assert.deepEqual(found, whole.get(directBuildArn(round)), `direct ingest ${round} is there whole or not at all`);
            }
          } finally {
            clean.child.kill('SIGTERM');
            await exitOf(clean.child);
          }
          assert.ok(acknowledged.size > 0, 'some ingests were acknowledged before the kills');
        } finally {
          server.child.kill('SIGTERM');
          await exitOf(server.child);
        }
        const check = await runCli(['check', '--db', database.location]);
        assert.equal(check.code, 0, check.stdout);
      } finally {
        await database.drop();
        await reference.drop();
        await dir.remove();
      }
    });
  });
}
