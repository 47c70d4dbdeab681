// What exposure alerts cost the writers, and how fast a flood reaches a destination.
// - Ingest: 40 files of 25 Trivy reports (200 findings each) for 1,000 images, one in 20 of which
//   runs, and again where all run (the worst case: every finding is also a carrier to write), into a
//   fresh store with alerts off and with a destination registered, alternating, two rounds each.
// - Watcher write: the first list of 5,000 pods running those scanned images, and a resync of the
//   same list, alerts off and on.
// - A flood: one relist starts 100 images that carry 100 distinct vulnerabilities each, 10,000
//   exposures opened in one transaction, sent by a real server's relay to a receiver on loopback
//   with the default batch window (60 s): the time from the relist's commit to the last event.
import { createServer } from 'node:http';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { AlertRouting } from '../src/alerts/alert-routing.ts';
import { ingestInput } from '../src/ingest/ingest-input.ts';
import { openStore } from '../src/store/open-store.ts';
import type { Store } from '../src/store/store.ts';
import { serverConfig } from '../src/server/config.ts';
import { startServer } from '../src/server/app.ts';
import { benchAccount, digest, trivyReport } from './dataset.ts';
import type { BenchDatabase } from './databases.ts';

const registry = `${benchAccount}.dkr.ecr.us-west-2.amazonaws.com`;
const cluster = `arn:aws:eks:us-west-2:${benchAccount}:cluster/alerts-bench`;
const images = 1_000;
const findingsPerReport = 200;
const reportsPerFile = 25;
const podsPerImage = 5;

const routing: AlertRouting = {
  name: 'bench', type: 'webhook', events: ['io.imagescope.exposure.opened', 'io.imagescope.exposure.escalated', 'io.imagescope.exposure.updated', 'io.imagescope.exposure.resolved', 'io.imagescope.summary'],
  minRank: 5, accounts: [], clusters: [], namespaces: [], repositories: [], fixAvailableOnly: false, resolveAfterMs: 900_000, cooldownMs: 86_400_000, batchWindowMs: 60_000,
};

export interface AlertsBenchResult {
  findings: number;
  /** Reports for images one in 20 of which runs (a CI scanning builds, a few of which are deployed). */
  ingestFindingsPerSecond: { off: number[]; on: number[] };
  /** The same reports where every image runs: each finding is also a carrier to write. */
  ingestAllRunningFindingsPerSecond: { off: number[]; on: number[] };
  pods: number;
  firstListMs: { off: number[]; on: number[] };
  resyncListMs: { off: number[]; on: number[] };
  flood: { exposures: number; relistMs: number; batchWindowMs: number; lastEventAfterCommitMs: number; messages: number; events: number };
}

/** Image `i` (10,000 + n) as trivyReport names it. */
const imageRef = (i: number) => `${registry}/app-${i % 200}@${digest(i + 1)}`;

/** A kubectl List of running pods, one per reference (pod names by place, so a list of the same references is the same pods). */
function podList(refs: string[]): string {
  const items = refs.map((ref, n) => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `pod-${n}`, namespace: `ns-${n % 10}`, uid: `pod-${n}-${ref.slice(-12)}`, resourceVersion: '1' },
    spec: { containers: [{ name: 'main', image: ref.replace(/@.*/, ':1') }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'main', image: ref.replace(/@.*/, ':1'), imageID: ref, ready: true, restartCount: 0, state: { running: { startedAt: '2026-12-01T00:00:00Z' } } }] },
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

const clean = `${registry}/clean@${digest(7)}`;

const ingestPods = (store: Store, text: string, now = Date.now()) => ingestInput(store, { name: 'pods', text }, { format: 'kubernetes', accountId: benchAccount, clusterArn: cluster }, now);

async function withStore<T>(create: () => Promise<BenchDatabase>, alerts: boolean, work: (store: Store) => Promise<T>): Promise<T> {
  const database = await create();
  const store = await openStore(database.location);
  try {
    if (alerts) await store.alerts.registerDestinations([routing], Date.now());
    return await work(store);
  } finally {
    await store.close();
    await database.drop();
  }
}

export async function measureAlerts(create: () => Promise<BenchDatabase>, log: (line: string) => void): Promise<AlertsBenchResult> {
  const files = Array.from({ length: images / reportsPerFile }, (_, f) =>
    Array.from({ length: reportsPerFile }, (_, r) => JSON.stringify(trivyReport(10_000 + f * reportsPerFile + r, findingsPerReport))).join('\n'));
  const pods = podList(Array.from({ length: images * podsPerImage }, (_, n) => imageRef(10_000 + (n % images))));
  const someRun = podList(Array.from({ length: images * podsPerImage }, (_, n) => imageRef(10_000 + (n % images))).filter((_, n) => (n % images) % 20 === 0));
  const result: AlertsBenchResult = {
    findings: images * findingsPerReport, ingestFindingsPerSecond: { off: [], on: [] }, ingestAllRunningFindingsPerSecond: { off: [], on: [] }, pods: images * podsPerImage,
    firstListMs: { off: [], on: [] }, resyncListMs: { off: [], on: [] }, flood: undefined as never,
  };
  for (let round = 0; round < 2; round++) {
    for (const mode of ['off', 'on'] as const) {
      for (const [running, figures] of [[someRun, result.ingestFindingsPerSecond], [pods, result.ingestAllRunningFindingsPerSecond]] as const) {
        log(`alerts ${mode}: ingest, round ${round + 1}${running === pods ? ', every image running' : ''}`);
        const rate = await withStore(create, mode === 'on', async (store) => {
          await ingestPods(store, running);
          const started = performance.now();
          for (const text of files) await ingestInput(store, { name: 'bench', text }, { format: 'auto', accountId: benchAccount }, Date.now());
          return result.findings / ((performance.now() - started) / 1000);
        });
        figures[mode].push(Math.round(rate));
      }
      log(`alerts ${mode}: watcher lists, round ${round + 1}`);
      const [first, resync] = await withStore(create, mode === 'on', async (store) => {
        for (const text of files) await ingestInput(store, { name: 'bench', text }, { format: 'auto', accountId: benchAccount }, Date.now());
        // A cluster the store knows already, so that the list is news, not a first sync.
        await ingestPods(store, podList([clean]));
        let started = performance.now();
        await ingestPods(store, pods);
        const firstMs = performance.now() - started;
        started = performance.now();
        await ingestPods(store, pods);
        return [firstMs, performance.now() - started];
      });
      result.firstListMs[mode].push(Math.round(first));
      result.resyncListMs[mode].push(Math.round(resync));
    }
  }
  log('alerts: 10,000 exposures opened by one relist');
  result.flood = await measureFlood(create);
  return result;
}

async function measureFlood(create: () => Promise<BenchDatabase>): Promise<AlertsBenchResult['flood']> {
  let events = 0;
  let messages = 0;
  let lastEventAt = 0;
  const receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body);
      events += Array.isArray(parsed) ? parsed.length : 1;
      messages++;
      lastEventAt = performance.now();
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'imagescope-bench-alerts-'));
  const database = await create();
  const alertsFile = join(dir, 'alerts.yaml');
  writeFileSync(alertsFile, `destinations:\n  - { name: flood, type: webhook, url: "http://127.0.0.1:${(receiver.address() as AddressInfo).port}/", secret: "whsec_${Buffer.alloc(32, 7).toString('base64')}", events: [io.imagescope.exposure.opened] }\n`);
  const server = await startServer(serverConfig({ host: '127.0.0.1', port: '0', db: database.location }, { IMAGESCOPE_ALERTS: alertsFile }), { logger: pino({ level: 'silent' }) });
  try {
    const store = server.store;
    const floodImages = 100;
    const vulnerabilitiesPerImage = 100;
    const ref = (i: number) => `${registry}/flood-${i}@${digest(50_000 + i)}`;
    await ingestPods(store, podList([clean]));
    for (let i = 0; i < floodImages; i++) {
      const report = {
        SchemaVersion: 2, CreatedAt: '2026-12-01T00:00:00Z', ArtifactName: `flood-${i}`, Metadata: { RepoDigests: [ref(i)] },
        Results: [{ Target: `flood-${i}`, Class: 'os-pkgs', Vulnerabilities: Array.from({ length: vulnerabilitiesPerImage }, (_, v) => ({ VulnerabilityID: `CVE-2099-${String(i * vulnerabilitiesPerImage + v).padStart(5, '0')}`, PkgName: `pkg-${v}`, InstalledVersion: '1.0', Severity: 'HIGH' })) }],
      };
      await ingestInput(store, { name: 'flood', text: JSON.stringify(report) }, { format: 'auto', accountId: benchAccount }, Date.now());
    }
    const started = performance.now();
    await ingestPods(store, podList([clean, ...Array.from({ length: floodImages }, (_, i) => ref(i))]));
    const relistMs = performance.now() - started;
    const exposures = floodImages * vulnerabilitiesPerImage;
    const deadline = started + 3 * 60_000;
    while (events < exposures && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    return { exposures, relistMs: Math.round(relistMs), batchWindowMs: 60_000, lastEventAfterCommitMs: Math.round(lastEventAt - started - relistMs), messages, events };
  } finally {
    await server.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}
