// Stores a report's vulnerability details (once per account, vulnerability and source) and moves the
// `updatedAt` of the findings whose shown state they change. A finding shows its vulnerability's
// score, EPSS and known exploitation, so newer details that change one of them change every open
// finding of that vulnerability, as Inspector moves a finding's updatedAt when its score is revised.
// New details are a plain insert (an ingest of new images stores thousands); only a conflict reads
// the stored details, to compare them in JavaScript.
import type SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { FindingsReport, VulnerabilityInfo } from '../domain/findings.ts';
import { chunkRows } from './findings-table.ts';
import type { Database } from './schema.ts';

/** Stores the report's details; returns the vulnerabilities whose shown state (score, exploitation) they changed. */
export type DetailsWriter = (trx: Kysely<Database>, accountId: string, report: FindingsReport) => Promise<string[]>;

interface StoredDetails {
  details: string;
  observed_at: number | string;
}

/**
 * What the stored details become: replaced when the report is newer and says something else (the
 * same details again write nothing, so a daily rescan of a fleet rewrites only what changed), and
 * whether that moves the vulnerability's findings.
 */
function outcome(stored: StoredDetails | undefined, details: string, reportTime: number): { replace: boolean; moves: boolean } {
  if (!stored || reportTime <= Number(stored.observed_at) || stored.details === details) return { replace: false, moves: false };
  return { replace: true, moves: shownState(stored.details) !== shownState(details) };
}

/** The part of a vulnerability's details that is part of each of its findings' state. */
function shownState(details: string): string {
  const { primaryCvss, epss, knownExploited, exploitObserved } = JSON.parse(details) as VulnerabilityInfo;
  return JSON.stringify([primaryCvss?.baseScore, epss, knownExploited !== undefined, exploitObserved !== undefined]);
}

// An imported Inspector2 finding keeps the updatedAt its file gives it.
const touchedFindings = 'account_id = ? and vulnerability_id = ? and active = 1 and finding_arn is null';

export function sqliteDetailsWriter(database: SqliteDatabase.Database): DetailsWriter {
  // Runs inside the BEGIN IMMEDIATE that writeTransaction opened on this same connection.
  const insert = database.prepare('insert into vulnerability_details (account_id, vulnerability_id, source, details, observed_at) values (?, ?, ?, ?, ?) on conflict do nothing');
  const stored = database.prepare('select details, observed_at from vulnerability_details where account_id = ? and vulnerability_id = ? and source = ?');
  const replace = database.prepare('update vulnerability_details set details = ?, observed_at = ? where account_id = ? and vulnerability_id = ? and source = ?');
  const touch = database.prepare(`update findings set updated_at = max(updated_at, ?) where ${touchedFindings}`);
  return async (_trx, accountId, report) => {
    const moved: string[] = [];
    for (const v of report.vulnerabilities ?? []) {
      if (insert.run(accountId, v.vulnerabilityId, report.source, v.details, report.reportTime).changes > 0) continue;
      const change = outcome(stored.get(accountId, v.vulnerabilityId, report.source) as StoredDetails | undefined, v.details, report.reportTime);
      if (change.replace) replace.run(v.details, report.reportTime, accountId, v.vulnerabilityId, report.source);
      if (change.moves) {
        touch.run(report.reportTime, accountId, v.vulnerabilityId);
        moved.push(v.vulnerabilityId);
      }
    }
    return moved;
  };
}

export const postgresDetailsWriter: DetailsWriter = async (trx, accountId, report) => {
  const entries = report.vulnerabilities ?? [];
  const movedIds: string[] = [];
  for (let i = 0; i < entries.length; i += chunkRows) {
    const chunk = entries.slice(i, i + chunkRows);
    const { rows: inserted } = await sql<{ vulnerability_id: string }>`insert into vulnerability_details (account_id, vulnerability_id, source, details, observed_at)
      select ${accountId}, v, ${report.source}, d, ${report.reportTime}::bigint
      from unnest(${chunk.map((e) => e.vulnerabilityId)}::text[], ${chunk.map((e) => e.details)}::text[]) as t(v, d)
      on conflict do nothing returning vulnerability_id`.execute(trx);
    if (inserted.length === chunk.length) continue;
    const insertedIds = new Set(inserted.map((r) => r.vulnerability_id));
    const conflicting = chunk.filter((e) => !insertedIds.has(e.vulnerabilityId));
    const storedRows = await trx.selectFrom('vulnerability_details').select(['vulnerability_id', 'details', 'observed_at']).where('account_id', '=', accountId).where('source', '=', report.source)
      .where('vulnerability_id', 'in', conflicting.map((e) => e.vulnerabilityId)).execute();
    const storedById = new Map(storedRows.map((r) => [r.vulnerability_id, r]));
    const changes = conflicting.map((e) => ({ ...e, ...outcome(storedById.get(e.vulnerabilityId), e.details, report.reportTime) }));
    const replaced = changes.filter((c) => c.replace);
    if (replaced.length === 0) continue;
    // A concurrent writer's newer details win: only older ones are replaced.
    await sql`update vulnerability_details d set details = t.d, observed_at = ${report.reportTime}::bigint
      from unnest(${replaced.map((c) => c.vulnerabilityId)}::text[], ${replaced.map((c) => c.details)}::text[]) as t(v, d)
      where d.account_id = ${accountId} and d.source = ${report.source} and d.vulnerability_id = t.v and d.observed_at < ${report.reportTime}::bigint`.execute(trx);
    const moved = changes.filter((c) => c.moves).map((c) => c.vulnerabilityId);
    movedIds.push(...moved);
    if (moved.length > 0) {
      await sql`update findings set updated_at = greatest(updated_at, ${report.reportTime}::bigint)
        where account_id = ${accountId} and vulnerability_id = any(${moved}::text[]) and active = 1 and finding_arn is null`.execute(trx);
    }
  }
  return movedIds;
};
