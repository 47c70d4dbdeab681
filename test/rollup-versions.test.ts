// Versioned rollups: an ingest updates rollup rows in place unless a pagination sequence has pinned a
// version that can see them; then they are closed and reopened, and the pinned version still reads
// the counts it began with.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ingestInput } from '../src/ingest/ingest-input.ts';
import { openStore } from '../src/store/open-store.ts';
import type { KyselyStore } from '../src/store/kysely-store.ts';
import type { Store } from '../src/store/store.ts';
import { databaseKinds } from './helpers/databases.ts';

const account = '111122223333';
const image = `${account}.dkr.ecr.us-west-2.amazonaws.com/web@sha256:${'a'.repeat(64)}`;

function report(createdAt: string, severities: string[]): string {
  return JSON.stringify({
    SchemaVersion: 2,
    CreatedAt: createdAt,
    ArtifactName: 'web',
    Results: [{ Target: 'web', Vulnerabilities: severities.map((Severity, i) => ({ VulnerabilityID: `CVE-2024-000${i}`, PkgName: 'p', InstalledVersion: '1', Severity })) }],
  });
}

for (const kind of databaseKinds) {
  describe(`rollup versions on ${kind.name}`, () => {
    let database: Awaited<ReturnType<typeof kind.create>>;
    let store: Store;
    const ingest = (text: string) => ingestInput(store, { name: 'report.json', text }, { format: 'auto', accountId: account, image }, Date.parse('2026-11-21T12:00:00Z'));
    const closedRows = async () => {
      const { db } = store as KyselyStore;
      const row = await db.selectFrom('finding_rollups').select((eb) => eb.fn.countAll<number>().as('n')).where('version_to', 'is not', null).executeTakeFirstOrThrow();
      return Number(row.n);
    };
    const accountCounts = async (version?: number) => (await store.aggregationPage({ accountId: account, aggregation: 'accountId', keys: [account], version, limit: 10 })).rows[0];

    before(async () => {
      database = await kind.create();
      store = await openStore(database.location);
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    it('updates rows in place while no sequence is pinned', async () => {
      await ingest(report('2026-11-21T01:00:00Z', ['HIGH', 'LOW']));
      await ingest(report('2026-11-21T02:00:00Z', ['CRITICAL', 'LOW', 'MEDIUM']));
      assert.equal(await closedRows(), 0);
      assert.deepEqual(await accountCounts(), { key: account, all: 3, critical: 1, high: 0, medium: 1 });
    });

    it('keeps the rows a pinned version sees, and updates newer rows in place again', async () => {
      const pinned = await store.pinRollupVersion(account);
      assert.ok(pinned);
      await ingest(report('2026-11-21T03:00:00Z', ['CRITICAL']));
      const closedAfterPin = await closedRows();
      assert.ok(closedAfterPin > 0, 'rows the pinned version sees are closed, not overwritten');
      assert.deepEqual(await accountCounts(pinned), { key: account, all: 3, critical: 1, high: 0, medium: 1 });
      assert.deepEqual(await accountCounts(), { key: account, all: 1, critical: 1, high: 0, medium: 0 });
      // The account's row was reopened after the pin, CVE-2024-0000 is unchanged, CVE-2024-0001 is new.
      await ingest(report('2026-11-21T04:00:00Z', ['CRITICAL', 'HIGH']));
      assert.equal(await closedRows(), closedAfterPin, 'rows opened after the pin are updated in place');
      assert.deepEqual(await accountCounts(pinned), { key: account, all: 3, critical: 1, high: 0, medium: 1 });
      assert.deepEqual(await accountCounts(), { key: account, all: 2, critical: 1, high: 1, medium: 0 });
    });
  });
}
