// The stored details of vulnerabilities, for the findings a read returns: every source's, and the one
// a finding shows (the first of the sources listing it that has details, else any).
import type { Kysely } from 'kysely';
import type { VulnerabilityInfo } from '../domain/findings.ts';
import type { Database } from './schema.ts';
import type { RunRead } from './store-reads.ts';

/** By vulnerability, then source: the details as JSON. */
export type DetailsBySource = Map<string, Map<string, string>>;

export async function detailsOf(db: Kysely<Database>, read: RunRead, accountId: string, vulnerabilityIds: string[]): Promise<DetailsBySource> {
  const byVulnerability: DetailsBySource = new Map();
  if (vulnerabilityIds.length === 0) return byVulnerability;
  const rows = await read<{ vulnerability_id: string; source: string; details: string }>(db.selectFrom('vulnerability_details')
    .select(['vulnerability_id', 'source', 'details']).where('account_id', '=', accountId).where('vulnerability_id', 'in', vulnerabilityIds).compile());
  for (const r of rows) {
    if (!byVulnerability.has(r.vulnerability_id)) byVulnerability.set(r.vulnerability_id, new Map());
    byVulnerability.get(r.vulnerability_id)!.set(r.source, r.details);
  }
  return byVulnerability;
}

/** The details a finding listed by `sources` shows, and whose they are. */
export function shownDetails(bySource: Map<string, string> | undefined, sources: string[]): { source: string; details: VulnerabilityInfo } | undefined {
  if (!bySource) return undefined;
  const source = sources.find((s) => bySource.has(s)) ?? [...bySource.keys()].sort()[0];
  return source === undefined ? undefined : { source, details: JSON.parse(bySource.get(source)!) as VulnerabilityInfo };
}
