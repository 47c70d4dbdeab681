// A finding's identity and lifecycle as the store keeps them: one row per occurrence with an id
// derived from it, ACTIVE while the newest report of some source lists it, CLOSED (kept, updatedAt
// moved) when none does, reopened with the same id; an identical report changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FindingIds } from '../src/domain/finding-ids.ts';
import { severities } from '../src/domain/severity.ts';
import { ingestInput } from '../src/ingest/ingest-input.ts';
import type { KyselyStore } from '../src/store/kysely-store.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store } from '../src/store/store.ts';
import { databaseKinds } from './helpers/databases.ts';

const account = '111122223333';
const digest = `sha256:${'c'.repeat(64)}`;
const repository = `arn:aws:ecr:us-west-2:${account}:repository/web`;
const image = `${account}.dkr.ecr.us-west-2.amazonaws.com/web@${digest}`;
const t = (day: number) => Date.parse(`2026-11-${String(day).padStart(2, '0')}T00:00:00Z`);

function trivy(day: number, ids: string[], severity = 'HIGH'): string {
  return JSON.stringify({
    SchemaVersion: 2,
    CreatedAt: new Date(t(day)).toISOString(),
    ArtifactName: 'web',
    Results: [{ Target: 'web', Vulnerabilities: ids.map((VulnerabilityID) => ({ VulnerabilityID, PkgName: 'openssl', InstalledVersion: '3.0.1', Severity: severity })) }],
  });
}

function grype(day: number, ids: string[]): string {
  return JSON.stringify({
    source: { type: 'image', target: { userInput: 'web', repoDigests: [image] } },
    descriptor: { name: 'grype', timestamp: new Date(t(day)).toISOString() },
    matches: ids.map((id) => ({ vulnerability: { id, severity: 'Medium' }, artifact: { name: 'openssl', version: '3.0.1' } })),
  });
}

for (const kind of databaseKinds) {
  describe(`finding lifecycle on ${kind.name}`, () => {
    let database: Awaited<ReturnType<typeof kind.create>>;
    let store: Store;
    const ingest = (text: string, now = Date.parse('2026-12-01T00:00:00Z')) => ingestInput(store, { name: 'report.json', text }, { format: 'auto', accountId: account, image }, now);
    const rows = async () => {
      const found = await (store as KyselyStore).db.selectFrom('findings').selectAll().where('account_id', '=', account).orderBy('vulnerability_id').execute();
      return new Map(found.map((r) => [r.vulnerability_id, { ...r, severity: severities[r.severity_rank], id: Buffer.from(r.finding_id).toString('hex'), first: Number(r.first_observed_at), last: Number(r.last_observed_at), updated: Number(r.updated_at) }]));
    };
    const accountAll = async () => (await store.aggregationPage({ accountId: account, aggregation: 'accountId', keys: [account], limit: 1 })).rows[0]?.all ?? 0;

    before(async () => {
      database = await kind.create();
      store = await openStore(database.location);
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    it('opens, closes, reopens with the same id, and ignores an identical report', async () => {
      await ingest(trivy(1, ['CVE-2024-0001', 'CVE-2024-0002']));
      const opened = await rows();
      const id = new FindingIds({ repository, digest }).of('CVE-2024-0002', 'openssl', '3.0.1').toString('hex');
      assert.equal(opened.get('CVE-2024-0002')!.id, id, 'the id is derived from the occurrence');
      assert.match(id, /^[a-f0-9]{32}$/);
      assert.equal(opened.get('CVE-2024-0001')!.id.slice(0, 12), id.slice(0, 12), "an image's findings share the id's first part");
      for (const r of opened.values()) assert.deepEqual([r.active, r.first, r.last, r.updated, r.sources], [1, t(1), t(1), t(1), 'trivy']);

      await ingest(trivy(2, ['CVE-2024-0001']));
      const closed = await rows();
      assert.deepEqual([closed.get('CVE-2024-0002')!.active, closed.get('CVE-2024-0002')!.last, closed.get('CVE-2024-0002')!.updated, closed.get('CVE-2024-0002')!.sources], [0, t(1), t(2), ''], 'closed: updatedAt moved, lastObservedAt not');
      assert.deepEqual([closed.get('CVE-2024-0001')!.last, closed.get('CVE-2024-0001')!.updated], [t(2), t(1)], 'listed again: lastObservedAt moved, updatedAt not');
      assert.equal(await accountAll(), 1, 'a closed finding is not counted');

      await ingest(trivy(3, ['CVE-2024-0001', 'CVE-2024-0002']));
      const reopened = await rows();
      assert.deepEqual([reopened.get('CVE-2024-0002')!.id, reopened.get('CVE-2024-0002')!.active, reopened.get('CVE-2024-0002')!.first, reopened.get('CVE-2024-0002')!.updated], [id, 1, t(1), t(3)]);
      assert.equal(await accountAll(), 2);

      const summary = await ingest(trivy(3, ['CVE-2024-0001', 'CVE-2024-0002']));
      assert.deepEqual(await rows(), reopened, 'an identical report changes nothing');
      assert.deepEqual([summary.applied, summary.unchanged], [0, 1]);
    });

    it("keeps a finding ACTIVE while another source's newest report lists it, and moves updatedAt on a severity change", async () => {
      await ingest(grype(4, ['CVE-2024-0002']));
      const both = (await rows()).get('CVE-2024-0002')!;
      assert.deepEqual([both.active, both.sources, both.severity, both.updated], [1, 'grype,trivy', 'HIGH', t(3)], 'the worst severity of the listing sources; nothing counted changed');

      await ingest(trivy(5, ['CVE-2024-0001']));
      const grypeOnly = (await rows()).get('CVE-2024-0002')!;
      assert.deepEqual([grypeOnly.active, grypeOnly.sources, grypeOnly.severity, grypeOnly.updated, grypeOnly.id], [1, 'grype', 'MEDIUM', t(5), both.id], "trivy's view gone: grype's severity, same id");

      await ingest(trivy(6, ['CVE-2024-0001'], 'CRITICAL'));
      const raised = (await rows()).get('CVE-2024-0001')!;
      assert.deepEqual([raised.severity, raised.updated, raised.last], ['CRITICAL', t(6), t(6)]);
      assert.deepEqual(await store.checkRollups(account), [], 'the rollups and summaries agree with the findings');
    });

    it("stores each vulnerability's details once per source, replaces them only from a newer report, and moves updatedAt when its score changes", async () => {
      const details = async () => (store as KyselyStore).db.selectFrom('vulnerability_details').selectAll().where('account_id', '=', account).where('vulnerability_id', '=', 'CVE-2024-0009').execute();
      const withTitle = (day: number, title: string, score = 7.5) => JSON.stringify({ ...JSON.parse(trivy(day, ['CVE-2024-0009', 'CVE-2024-0001'])), Results: [{ Target: 'web', Vulnerabilities: ['openssl', 'libssl3'].map((PkgName) => ({ VulnerabilityID: 'CVE-2024-0009', PkgName, InstalledVersion: '3.0.1', Severity: 'HIGH', Title: title, CVSS: { nvd: { V3Score: score, V3Vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' } } })).concat([{ VulnerabilityID: 'CVE-2024-0001', PkgName: 'openssl', InstalledVersion: '3.0.1', Severity: 'HIGH' } as never]) }] });
      const updatedAt = async () => [...(await (store as KyselyStore).db.selectFrom('findings').select(['vulnerability_id', 'package_name', 'updated_at']).where('account_id', '=', account).orderBy('vulnerability_id').orderBy('package_name').execute())]
        .map((r) => `${r.vulnerability_id} ${r.package_name} ${new Date(Number(r.updated_at)).toISOString().slice(0, 10)}`);
      await ingest(withTitle(10, 'openssl: crash in X'));
      const [first] = await details();
      assert.equal(JSON.parse(first!.details).title, 'openssl: crash in X');
      assert.deepEqual([first!.source, Number(first!.observed_at)], ['trivy', t(10)]);
      assert.equal((await details()).length, 1, 'one row for the two packages that share it');
      await ingest(withTitle(9, 'an older title'));
      assert.equal(JSON.parse((await details())[0]!.details).title, 'openssl: crash in X', 'an older report does not replace them');
      await ingest(withTitle(12, 'openssl: crash in X, fixed title'));
      const [changed] = await details();
      assert.deepEqual([JSON.parse(changed!.details).title, Number(changed!.observed_at)], ['openssl: crash in X, fixed title', t(12)]);
      await ingest(withTitle(14, 'openssl: crash in X, fixed title'));
      assert.equal(Number((await details())[0]!.observed_at), t(12), 'the same details from a newer report are not rewritten');
      const untouched = await updatedAt();
      assert.deepEqual(untouched.filter((r) => r.startsWith('CVE-2024-0009')), ['CVE-2024-0009 libssl3 2026-11-10', 'CVE-2024-0009 openssl 2026-11-10'], 'a new title is not a change of the findings');

      await ingest(withTitle(16, 'openssl: crash in X, fixed title', 9.1));
      const rescored = await updatedAt();
      assert.deepEqual(rescored.filter((r) => r.startsWith('CVE-2024-0009')), ['CVE-2024-0009 libssl3 2026-11-16', 'CVE-2024-0009 openssl 2026-11-16'], "a new score moves every open finding's updatedAt");
      assert.deepEqual(rescored.filter((r) => !r.startsWith('CVE-2024-0009')), untouched.filter((r) => !r.startsWith('CVE-2024-0009')), "the other vulnerabilities' findings do not move");
      await ingest(withTitle(16, 'openssl: crash in X, fixed title', 9.1));
      assert.deepEqual(await updatedAt(), rescored, 'the same report again moves nothing');
    });

    it('prunes CLOSED findings after the retention of closed findings, and keeps them until then', async () => {
      await ingest(grype(7, []));
      const closed = (await rows()).get('CVE-2024-0002')!;
      assert.deepEqual([closed.active, Number(closed.closed_at)], [0, Date.parse('2026-12-01T00:00:00Z')], 'closed by an ingest on 2026-12-01 (its report is of 2026-11-07)');
      for (const [days, kept, reportDay] of [[30, true, 15], [20, false, 16]] as const) {
        await store.close();
        store = await openStore(database.location, { closedFindingsDays: days });
        await ingest(trivy(reportDay, ['CVE-2024-0001']), Date.parse('2026-12-25T00:00:00Z'));
        assert.equal((await rows()).has('CVE-2024-0002'), kept, `24 days after it closed, kept ${days} days`);
      }
      assert.equal((await rows()).get('CVE-2024-0001')!.active, 1);
    });
  });
}
