// Ingest throughput (findings per second, from report bytes to committed rows) for bulk Trivy and
// Grype reports, against the ceiling of a raw prepared-statement insert loop of the same rows into
// the same table of the same database.
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { ingestInput } from '../src/ingest/ingest-input.ts';
import { openStore } from '../src/store/open-store.ts';
import { benchAccount, grypeReport, trivyReport } from './dataset.ts';
import type { BenchDatabase } from './databases.ts';

const reportsPerFile = 25;
const findingsPerReport = 2_000;

export interface IngestResult {
  trivyFindingsPerSecond: number;
  grypeFindingsPerSecond: number;
  rawInsertRowsPerSecond: number;
  findings: number;
}

async function ingestRate(database: BenchDatabase, files: string[], findings: number): Promise<number> {
  const store = await openStore(database.location);
  try {
    const started = performance.now();
    for (const text of files) await ingestInput(store, { name: 'bench', text }, { format: 'auto', accountId: benchAccount }, Date.now());
    return findings / ((performance.now() - started) / 1000);
  } finally {
    await store.close();
  }
}

async function rawInsertRate(database: BenchDatabase, rows: [string, number, string, string, string, string, string, number, number][]): Promise<number> {
  const store = await openStore(database.location); // creates the same tables
  await store.close();
  const columns = 'account_id, image_id, source, vulnerability_id, package_name, package_version, severity, active, observed_at';
  if (database.kind === 'sqlite') {
    const db = new SqliteDatabase(database.location);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const insert = db.prepare(`insert into image_findings (${columns}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const started = performance.now();
    for (let i = 0; i < rows.length; i += findingsPerReport * reportsPerFile) {
      db.transaction(() => {
        for (const row of rows.slice(i, i + findingsPerReport * reportsPerFile)) insert.run(...row);
      })();
    }
    const rate = rows.length / ((performance.now() - started) / 1000);
    db.close();
    return rate;
  }
  const client = new pg.Client({ connectionString: database.location });
  await client.connect();
  const started = performance.now();
  for (let i = 0; i < rows.length; i += findingsPerReport * reportsPerFile) {
    await client.query('begin');
    for (const row of rows.slice(i, i + findingsPerReport * reportsPerFile)) {
      await client.query({ name: 'insert-finding', text: `insert into image_findings (${columns}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, values: row });
    }
    await client.query('commit');
  }
  const rate = rows.length / ((performance.now() - started) / 1000);
  await client.end();
  return rate;
}

export async function measureIngest(create: () => Promise<BenchDatabase>, files: number): Promise<IngestResult> {
  const findings = files * reportsPerFile * findingsPerReport;
  const bulk = (report: (i: number, n: number) => object) =>
    Array.from({ length: files }, (_, f) => Array.from({ length: reportsPerFile }, (_, r) => JSON.stringify(report(10_000 + f * reportsPerFile + r, findingsPerReport))).join('\n'));
  const rows: [string, number, string, string, string, string, string, number, number][] = [];
  for (let image = 0; image < files * reportsPerFile; image++) {
    const report = trivyReport(10_000 + image, findingsPerReport) as { Results: { Vulnerabilities: { VulnerabilityID: string; PkgName: string; InstalledVersion: string; Severity: string }[] }[] };
    const seen = new Set<string>();
    for (const v of report.Results[0].Vulnerabilities) {
      const key = `${v.VulnerabilityID} ${v.PkgName} ${v.InstalledVersion}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push([benchAccount, image + 1, 'trivy', v.VulnerabilityID, v.PkgName, v.InstalledVersion, v.Severity, 1, Date.now()]);
    }
  }
  const result: IngestResult = { trivyFindingsPerSecond: 0, grypeFindingsPerSecond: 0, rawInsertRowsPerSecond: 0, findings };
  for (const [name, report] of [['trivy', trivyReport], ['grype', grypeReport]] as const) {
    const database = await create();
    try {
      const rate = await ingestRate(database, bulk(report), findings);
      if (name === 'trivy') result.trivyFindingsPerSecond = rate;
      else result.grypeFindingsPerSecond = rate;
    } finally {
      await database.drop();
    }
  }
  const database = await create();
  try {
    result.rawInsertRowsPerSecond = await rawInsertRate(database, rows);
  } finally {
    await database.drop();
  }
  return result;
}
