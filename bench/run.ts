// `npm run bench [-- --scales small,large --stores sqlite,postgres --scenarios startup,feeds,latency,http,throughput,signed,walk,ingest,files,console,alerts]`
// Measures start-up (`--version` wall time, idle server memory), then loads a dataset through the real ingest path at each scale, measures every query in process and
// over HTTP with the real SDK, HTTP throughput against a bare node:http ceiling (SigV4 off and on),
// ingest throughput against a raw insert loop, and the server's peak memory; prints a table with the
// ratios and the targets, and writes the same as JSON (bench/results/latest.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { availableParallelism, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/open-store.ts';
import { createDatabase, postgresAdminUrl } from './databases.ts';
import { loadFindings, loadUnits, scales } from './dataset.ts';
import { measureIngest } from './ingest-throughput.ts';
import { startImagescope } from './processes.ts';
import { inProcessLatencies, queries, sdkLatencies } from './queries.ts';
import { round, type Latency } from './stats.ts';
import { measureEcrFeed, measureEcsFeed, measureKubernetesFeed, measureTrivyOperatorFeed } from './feeds.ts';
import { measureStartup } from './startup.ts';
import { measureSignedRatios, measureThroughput } from './throughput.ts';
import { measureFileIngest } from './ingest-files.ts';
import { consoleLatencies } from './console-pages.ts';
import { measureFindingsWalk } from './findings-walk.ts';
import { measureAlerts } from './alerts.ts';

const { values: args } = parseArgs({
  options: {
    scales: { type: 'string', default: 'small,large' },
    stores: { type: 'string', default: postgresAdminUrl ? 'sqlite,postgres' : 'sqlite' },
    scenarios: { type: 'string', default: 'startup,feeds,latency,http,throughput,signed,walk,ingest,files,console,alerts' },
    // Another version's checkout (with its node_modules), measured in the same run: start-up, and the
    // busy server's peak memory under the throughput load.
    baseline: { type: 'string' },
    'startup-runs': { type: 'string', default: '20' },
    iterations: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '8' },
    connections: { type: 'string', default: '64' },
    workers: { type: 'string', default: String(availableParallelism()) },
    'ingest-files': { type: 'string', default: '4' },
    out: { type: 'string', default: 'bench/results/latest.json' },
  },
});
const scenarios = new Set(args.scenarios!.split(','));
/** The call a CI loop makes: the account's counts. */
const throughputQuery = queries.find((q) => q.name === 'Aggregations: no filter')!;
/** The listings behind an account view, a "by vulnerability" view and a "by pipeline" view (issue 11). */
const signedQueries = ['Aggregations: no filter', 'Aggregations: every vulnerabilityId', 'Aggregations: every imagePipelineArn', 'ListFindings: no filter'].map((name) => queries.find((q) => q.name === name)!);
const iterations = Number(args.iterations);
const results: Record<string, any> = { machine: machine(), startedAt: new Date().toISOString(), args, stores: {} };

function machine() {
  return { node: process.version, cpus: availableParallelism(), memoryGiB: Math.round(totalmem() / 2 ** 30), platform: process.platform };
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const storeKinds = args.stores!.split(',') as ('sqlite' | 'postgres')[];
// Checked before anything runs: a run that reaches PostgreSQL after half an hour of SQLite must not fail there.
if (storeKinds.includes('postgres') && !postgresAdminUrl) {
  log('--stores postgres needs IMAGESCOPE_BENCH_DATABASE_URL (or IMAGESCOPE_TEST_DATABASE_URL)');
  process.exit(2);
}

/** Writes what has been measured so far: each store's figures are kept even if a later one fails. */
function saveResults(): void {
  mkdirSync(dirname(resolve(args.out!)), { recursive: true });
  writeFileSync(args.out!, `${JSON.stringify(results, null, 2)}\n`);
}
const baselineCli = args.baseline ? resolve(args.baseline, 'bin/imagescope.js') : undefined;

if (scenarios.has('startup')) {
  log('start-up');
  results.startup = await measureStartup({ current: 'bin/imagescope.js', ...(baselineCli && { baseline: baselineCli }) }, Number(args['startup-runs']));
}
if (scenarios.has('feeds')) {
  log('live feeds: 50,000 pods, 5,000 ECS tasks');
  results.feeds = { kubernetes: await measureKubernetesFeed(), kubernetesViaEndpoint: await measureKubernetesFeed(50_000, 10, 'endpoint'), kubernetesWithTrivyOperator: await measureKubernetesFeed(50_000, 10, 'db', true), ecs: await measureEcsFeed(), trivyOperator: await measureTrivyOperatorFeed(), ecr: await measureEcrFeed() };
}

// The scenarios that need a loaded dataset per store and scale (start-up and the feeds bring their own).
const storeScenarios = ['latency', 'http', 'throughput', 'signed', 'walk', 'ingest', 'files', 'console', 'alerts'].filter((name) => scenarios.has(name));
for (const kind of storeScenarios.length ? storeKinds : []) {
  const out: Record<string, any> = { scales: {} };
  results.stores[kind] = out;
  for (const scaleName of args.scales!.split(',')) {
    const scale = scales[scaleName];
    const database = await createDatabase(kind);
    const entry: Record<string, any> = {};
    out.scales[scaleName] = entry;
    try {
      const store = await openStore(database.location);
      try {
        let started = performance.now();
        await loadFindings(store, scale);
        entry.loadFindingsPerSecond = round(scale.findings / ((performance.now() - started) / 1000), 0);
        started = performance.now();
        await loadUnits(store, scale);
        entry.loadUnitsPerSecond = round(scale.units / ((performance.now() - started) / 1000), 0);
        await database.settle();
        log(`${kind} ${scaleName}: loaded ${scale.findings} findings (${entry.loadFindingsPerSecond}/s) and ${scale.units} units (${entry.loadUnitsPerSecond}/s)`);
        if (scenarios.has('latency')) entry.inProcess = await inProcessLatencies(store, iterations);
        if (scenarios.has('http')) {
          const server = await startImagescope(database.location);
          try {
            entry.http = await sdkLatencies(server.url, iterations);
            entry.peakRssMiB = round(server.peakRssMiB(), 1);
          } finally {
            await server.stop();
          }
        }
        if (scenarios.has('throughput') && scaleName === args.scales!.split(',').at(-1)) {
          entry.throughput = await measureThroughput(store, database.location, throughputQuery, Number(args.seconds), Number(args.connections), Number(args.workers), baselineCli);
          entry.peakRssMiB = Math.max(entry.peakRssMiB ?? 0, round(entry.throughput.peakRssMiB, 1));
        }
        if (scenarios.has('console')) entry.console = await consoleLatencies(database.location, Math.min(iterations, 50));
        if (scenarios.has('signed') && scaleName === args.scales!.split(',').at(-1)) {
          entry.signed = await measureSignedRatios(store, database.location, signedQueries, Number(args.seconds), Number(args.connections));
        }
        if (scenarios.has('walk') && scaleName === args.scales!.split(',').at(-1)) {
          log(`${kind} ${scaleName}: a boto3 walk of every finding`);
          entry.walk = await measureFindingsWalk(database.location);
        }
      } finally {
        await store.close();
      }
    } finally {
      await database.drop();
    }
  }
  if (scenarios.has('ingest')) {
    log(`${kind}: ingest throughput`);
    out.ingest = await measureIngest(() => createDatabase(kind), Number(args['ingest-files']));
  }
  if (scenarios.has('files')) {
    log(`${kind}: ingest of 400 single-report files`);
    out.files = await measureFileIngest(() => createDatabase(kind));
  }
  if (scenarios.has('alerts')) {
    log(`${kind}: what alerts cost the writers, and a flood of exposures`);
    out.alerts = await measureAlerts(() => createDatabase(kind), log);
  }
  saveResults();
}

results.finishedAt = new Date().toISOString();
saveResults();
process.stdout.write(renderTable(results));

function fmt(l: Latency | undefined): string {
  return l ? `${round(l.p50, 2)} / ${round(l.p99, 2)}` : '-';
}

function renderTable(r: typeof results): string {
  const lines: string[] = [];
  if (r.feeds) {
    const { kubernetes: k, kubernetesViaEndpoint: ke, ecs: e } = r.feeds;
    lines.push('\n## live feeds (SQLite)', '| measure | --db | --endpoint | target |', '|---|---|---|---|');
    lines.push(`| first list of ${k.pods} pods in ${k.namespaces} namespaces, stored | ${k.firstListStoredMs} ms | ${ke.firstListStoredMs} ms | - |`);
    lines.push(`| resync relist of the same pods, stored | ${k.resyncListStoredMs} ms | ${ke.resyncListStoredMs} ms | <= 10,000 ms |`);
    lines.push(`| Kubernetes watcher peak RSS | ${k.watcherPeakRssMiB} MiB | ${ke.watcherPeakRssMiB} MiB (server ${ke.serverPeakRssMiB} MiB) | <= 150 MiB |`);
    lines.push(`| ECS poll of ${e.tasks} tasks, stored | ${e.pollStoredMs} ms | - | <= 10,000 ms |`);
    lines.push(`| ECS watcher peak RSS | ${e.watcherPeakRssMiB} MiB | - | - |`);
    const { trivyOperator: t, ecr, kubernetesWithTrivyOperator: kt } = r.feeds;
    lines.push(`| the same ${kt.pods} pods where trivy-operator is installed (pods kept by workload): first list, resync, peak RSS | ${kt.firstListStoredMs} ms, ${kt.resyncListStoredMs} ms, ${kt.watcherPeakRssMiB} MiB | - | - |`);
    lines.push(`| ${t.reports} VulnerabilityReports of ${t.findingsPerReport} findings, listed and stored (${t.firstWritten} written) | ${t.firstStoredMs} ms | - | <= 60,000 ms |`);
    lines.push(`| a resync of the same reports, nothing changed (${t.resyncWritten} written) | ${t.resyncStoredMs} ms | - | <= 10,000 ms, 0 written |`);
    lines.push(`| Kubernetes watcher with reports, peak RSS | ${t.watcherPeakRssMiB} MiB | - | <= 200 MiB |`);
    lines.push(`| ECR: first poll of ${ecr.images} running images (${ecr.firstWritten} scans written) | ${ecr.firstPollMs} ms | - | - |`);
    lines.push(`| ECR: the next poll, nothing changed (${ecr.quietWritten} written) | ${ecr.quietPollMs} ms | - | <= 10,000 ms |`);
    lines.push(`| ECR watcher peak RSS | ${ecr.watcherPeakRssMiB} MiB | - | - |`);
  }
  if (r.startup) {
    lines.push('\n## start-up', '| version | `imagescope --version` p50 / p90 ms | idle server RSS MiB |', '|---|---|---|');
    for (const [label, s] of Object.entries(r.startup) as [string, any][]) lines.push(`| ${label} | ${s.versionMs.p50} / ${s.versionMs.p90}${s.flag === '--version' ? '' : ` (${s.flag})`} | ${s.idleRssMiB} |`);
  }
  for (const [kind, out] of Object.entries(r.stores) as [string, any][]) {
    const [small, large] = [out.scales.small, out.scales.large];
    lines.push(`\n## ${kind}`);
    const measured = Object.keys(out.scales).map((name) => ({ name, scale: scales[name]!, entry: out.scales[name] }));
    for (const [label, key] of [['in process', 'inProcess'], ['HTTP, AWS SDK', 'http']] as const) {
      const columns = measured.filter((m) => m.entry?.[key]);
      if (columns.length === 0) continue;
      lines.push(`\n${label}: p50 / p99 ms (first request ms in process); ${columns.map((c) => `${c.name} = ${c.scale.findings} findings in ${c.scale.images} images, ${c.scale.units} units`).join('; ')}`);
      lines.push(`| query | ${columns.map((c) => c.name).join(' | ')} |`, `|---|${columns.map(() => '---|').join('')}`);
      for (const q of queries) {
        lines.push(`| ${q.name} | ${columns.map((c) => { const l = c.entry[key][q.name]; return l ? `${fmt(l)}${l.firstMs !== undefined ? ` (${l.firstMs})` : ''}` : '-'; }).join(' | ')} |`);
      }
    }
    const t = (large ?? small)?.throughput;
    if (t) {
      lines.push(`\nHTTP throughput, ${args.connections} connections, ${args.seconds} s each, ListImageScanFindingAggregations with no filter (${t.responseBytes} B response):`);
      // The ceiling is the faster of the two bare servers: with the load generator on the same cores,
      // more bare processes need not be faster.
      const ceiling = Math.max(t.bare.requestsPerSecond, t.bareWorkers.requestsPerSecond);
      lines.push('| server | req/s | p99 ms | errors | of ceiling |', '|---|---|---|---|---|');
      const rows = [
        ['bare node:http, 1 process', t.bare],
        [`bare node:http, ${t.workers} processes`, t.bareWorkers],
        ['imagescope, auth none, 1 process', t.none],
        ['imagescope, SigV4, 1 process', t.sigv4],
        [`imagescope, SigV4, --workers ${t.workers}`, t.sigv4Workers],
        ...(t.noneBaseline ? [['baseline imagescope, auth none, 1 process', t.noneBaseline] as const] : []),
      ] as const;
      for (const [name, v] of rows) {
        lines.push(`| ${name} | ${round(v.requestsPerSecond, 0)} | ${v.p99Ms} | ${v.errors} | ${round((v.requestsPerSecond / ceiling) * 100, 1)}% |`);
      }
    }
    if (small?.console || large?.console) {
      lines.push('\nConsole pages and API (issue 12), one request at a time over loopback, p50 / p99 ms:', '| answer | small | large | target (large) |', '|---|---|---|---|');
      for (const name of Object.keys((large ?? small).console)) lines.push(`| ${name} | ${fmt(small?.console?.[name])} | ${fmt(large?.console?.[name])} | <= 100 |`);
    }
    const signed = (large ?? small)?.signed;
    if (signed) {
      lines.push(`\nSigV4 on (a pre-signed request replayed), throttling off, 1 process, ${args.connections} connections, ${args.seconds} s each in 5 alternating rounds, against bare node:http answering the same bytes (median rounds):`);
      lines.push('| query | response B | imagescope req/s | bare req/s | ratio | target | rounds imagescope / bare |', '|---|---|---|---|---|---|---|');
      for (const [name, v] of Object.entries(signed) as [string, any][]) {
        lines.push(`| ${name} | ${v.responseBytes} | ${round(v.sigv4.requestsPerSecond, 0)} | ${round(v.bare.requestsPerSecond, 0)} | ${round(v.ratio, 2)} | >= 0.5 | ${v.rounds.sigv4.join(', ')} / ${v.rounds.bare.join(', ')} |`);
      }
    }
    const walked = (large ?? small)?.walk;
    if (walked) {
      lines.push(`\nA boto3 walk of every finding (ListFindings paginator, 100 a page): ${walked.findings} findings in ${walked.pages} pages, ${walked.seconds} s (${walked.msPerPage} ms a page); server RSS idle ${walked.idleRssMiB} MiB, peak ${walked.peakRssMiB} MiB: **+${walked.growthMiB} MiB** (target <= 64 MiB)`);
    }
    if (out.files) {
      const f = out.files;
      lines.push(`\nIngest of ${f.files} single-report Trivy files of ${f.findingsPerReport} findings in one \`imagescope ingest\` call (process start included):`);
      lines.push('| path | time ms | findings/s | target |', '|---|---|---|---|');
      lines.push(`| --db | ${round(f.dbMs, 0)} | ${round(f.dbFindingsPerSecond, 0)} | >= 100,000 (SQLite) |`);
      lines.push(`| --endpoint | ${round(f.endpointMs, 0)} | ${round(f.endpointFindingsPerSecond, 0)} | - |`);
    }
    if (out.ingest) {
      const i = out.ingest;
      lines.push(`\nIngest (${i.findings} findings in bulk files of 25 reports x 2,000):`);
      lines.push('| path | findings/s | of raw |', '|---|---|---|');
      lines.push(`| raw prepared-statement insert loop | ${round(i.rawInsertRowsPerSecond, 0)} | 100% |`);
      lines.push(`| Trivy JSON, ingest | ${round(i.trivyFindingsPerSecond, 0)} | ${round((i.trivyFindingsPerSecond / i.rawInsertRowsPerSecond) * 100, 1)}% |`);
      lines.push(`| Grype JSON, ingest | ${round(i.grypeFindingsPerSecond, 0)} | ${round((i.grypeFindingsPerSecond / i.rawInsertRowsPerSecond) * 100, 1)}% |`);
    }
    if (out.alerts) {
      const a = out.alerts;
      const ratio = (on: number[], off: number[]) => round(on.reduce((x: number, y: number) => x + y, 0) / off.reduce((x: number, y: number) => x + y, 0), 2);
      lines.push(`\nExposure alerts, off and on (one destination), alternating rounds: ${a.findings} findings in files of 25 reports for images that all run; ${a.pods} pods:`);
      lines.push('| measure | off | on | on / off | target |', '|---|---|---|---|---|');
      lines.push(`| ingest findings/s, one image in 20 running | ${a.ingestFindingsPerSecond.off.join(', ')} | ${a.ingestFindingsPerSecond.on.join(', ')} | ${ratio(a.ingestFindingsPerSecond.on, a.ingestFindingsPerSecond.off)} | >= 0.9 |`);
      lines.push(`| ingest findings/s, every image running | ${a.ingestAllRunningFindingsPerSecond.off.join(', ')} | ${a.ingestAllRunningFindingsPerSecond.on.join(', ')} | ${ratio(a.ingestAllRunningFindingsPerSecond.on, a.ingestAllRunningFindingsPerSecond.off)} | >= 0.9 |`);
      lines.push(`| watcher's first list, ms | ${a.firstListMs.off.join(', ')} | ${a.firstListMs.on.join(', ')} | ${ratio(a.firstListMs.off, a.firstListMs.on)} (speed) | >= 0.9 |`);
      lines.push(`| watcher's resync, ms | ${a.resyncListMs.off.join(', ')} | ${a.resyncListMs.on.join(', ')} | ${ratio(a.resyncListMs.off, a.resyncListMs.on)} (speed) | >= 0.9 |`);
      const f = a.flood;
      lines.push(`\n${f.exposures} exposures opened by one relist (${f.relistMs} ms to commit): the last of ${f.events} events reached the receiver ${f.lastEventAfterCommitMs} ms after the commit, in ${f.messages} messages (batch window ${f.batchWindowMs} ms; target <= ${2 * f.batchWindowMs} ms)`);
    }
    const peak = large?.peakRssMiB ?? small?.peakRssMiB;
    if (peak) lines.push(`\nServer peak RSS (VmHWM) at the ${large ? 'large' : 'small'} scale: ${peak} MiB`);
    if (t?.noneBaseline) lines.push(`Busy server peak RSS under the throughput load, auth none, 1 process: ${round(t.none.peakRssMiB, 1)} MiB; baseline ${round(t.noneBaseline.peakRssMiB, 1)} MiB`);
  }
  return `${lines.join('\n')}\n`;
}
