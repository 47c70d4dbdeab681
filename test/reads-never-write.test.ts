// A read request never writes in the steady state: beginning a multi-page listing pins a rollup
// version only when the current one is not pinned yet. Proved on each database by its own evidence:
// on SQLite the reads run while another connection holds the write lock (a read that tried to write
// would wait for it, and fail after the busy timeout) and data_version (it moves when another
// connection commits) stays put; on PostgreSQL the xmin of the rollup_versions rows stays put (every
// UPDATE, even one that changes nothing, writes a new row version).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListImageScanFindingAggregationsCommand, paginateListImageScanFindingAggregations, type Filter } from '@aws-sdk/client-imagebuilder';
import { GetClustersForImageCommand } from '@aws-sdk/client-inspector2';
import Database from 'better-sqlite3';
import pg from 'pg';
import { databaseKinds, type DatabaseKind } from './helpers/databases.ts';
import { readFixture, sharedFixture } from './helpers/fixtures.ts';
import { imagebuilderClient, ingestViaEndpoint, inspector2Client, startTestServer, type TestServer } from './helpers/server.ts';

const account = '111122223333';
const pipeline = (name: string) => `arn:aws:imagebuilder:us-west-2:${account}:image-pipeline/${name}`;
// A read that waited for the write lock would fail fast instead of taking the default 15 s.
process.env.IMAGESCOPE_SQLITE_BUSY_TIMEOUT_MS = '300';

interface WriteWitness {
  /** Runs `reads`, and says whether the server wrote to its database meanwhile. */
  wroteDuring(reads: () => Promise<void>): Promise<boolean>;
  close(): Promise<void>;
}

async function writeWitness(kind: DatabaseKind, location: string): Promise<WriteWitness> {
  if (kind.name === 'sqlite') {
    const connection = new Database(location);
    return {
      async wroteDuring(reads) {
        const before = connection.pragma('data_version', { simple: true });
        connection.exec('BEGIN IMMEDIATE');
        try {
          await reads();
        } finally {
          connection.exec('ROLLBACK');
        }
        return connection.pragma('data_version', { simple: true }) !== before;
      },
      close: async () => void connection.close(),
    };
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  const versions = async () => JSON.stringify((await client.query('SELECT account_id, xmin::text FROM rollup_versions ORDER BY account_id')).rows);
  return {
    async wroteDuring(reads) {
      const before = await versions();
      await reads();
      return (await versions()) !== before;
    },
    close: () => client.end(),
  };
}

for (const kind of databaseKinds) {
  describe(`read requests on ${kind.name}`, () => {
    let server: TestServer;
    let witness: WriteWitness;
    const ingest = async (path: string, params: Record<string, string> = {}) => {
      const result = await ingestViaEndpoint(server.url, readFixture(sharedFixture(path)), { name: path, ...params });
      assert.equal(result.status, 200, JSON.stringify(result.body));
    };
    const listAll = async (filter: Filter) => {
      const pages = [];
      for await (const page of paginateListImageScanFindingAggregations({ client: imagebuilderClient(server.url) }, { filter })) pages.push(page);
      return pages;
    };

    before(async () => {
      server = await startTestServer(kind, { env: { IMAGESCOPE_AGGREGATION_PAGE_SIZE: '1' } });
      await ingest('grype/many_vulns.json', { imagePipelineArn: pipeline('web') });
      await ingest('trivy/alpine-39.json', { imagePipelineArn: pipeline('base'), image: `${account}.dkr.ecr.us-west-2.amazonaws.com/base@sha256:${'b'.repeat(64)}` });
      await ingest('ecs/task-state-change-running.json');
      witness = await writeWitness(kind, server.database.location);
    });
    after(async () => {
      await witness.close();
      await server.stop();
    });

    it('pins a version once, then begins every later sequence without writing', async () => {
      assert.ok((await listAll({ name: 'vulnerabilityId' })).length > 1, 'a multi-page listing');
      const wrote = await witness.wroteDuring(async () => {
        for (const filter of [{ name: 'vulnerabilityId' }, { name: 'imagePipelineArn' }, { name: 'vulnerabilityId' }] as Filter[]) {
          assert.ok((await listAll(filter)).length > 1, `${filter.name} is listed in pages`);
        }
        await imagebuilderClient(server.url).send(new ListImageScanFindingAggregationsCommand({}));
        await inspector2Client(server.url).send(new GetClustersForImageCommand({ filter: { resourceId: `arn:aws:ecr:us-west-2:${account}:repository/x/sha256:${'c'.repeat(64)}` } }));
      });
      assert.equal(wrote, false, 'no read request wrote');
    });

    it('after an ingest the next sequence pins the new version (one write), sees every key once, and the one after writes nothing', async () => {
      const vulnerabilityIds = async () => (await listAll({ name: 'vulnerabilityId' })).flatMap((p) => p.responses!.map((r) => r.vulnerabilityIdAggregation!.vulnerabilityId!));
      const before = await vulnerabilityIds();
      await ingest('sarif/trivy-alpine-310.sarif', { imagePipelineArn: pipeline('web'), image: `${account}.dkr.ecr.us-west-2.amazonaws.com/web@sha256:${'d'.repeat(64)}` });
      let keys: string[] = [];
      if (kind.name === 'postgres') {
        const wrote = await witness.wroteDuring(async () => {
          keys = await vulnerabilityIds();
        });
        assert.equal(wrote, true, 'the new version was pinned');
      } else {
        keys = await vulnerabilityIds();
      }
      assert.equal(new Set(keys).size, keys.length, 'no key twice');
      assert.ok(before.every((key) => keys.includes(key)), 'every key listed before is still there');
      assert.equal(await witness.wroteDuring(async () => void (await listAll({ name: 'vulnerabilityId' }))), false, 'the sequence after that wrote nothing');
    });
  });
}
