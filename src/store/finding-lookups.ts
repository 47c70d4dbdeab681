// Findings looked up by the ARN a listing shows for them (BatchGetFindingDetails): an imported
// Inspector2 finding by the ARN it carries (an index of those alone), any other by its derived ARN,
// whose id is found under each severity by key and whose region and account must be its image's.
// Each finding comes with its vulnerability's details from the first of its sources that has them.
import type { Kysely } from 'kysely';
import { findingArnOf, parseFindingArn } from '../domain/finding-ids.ts';
import type { VulnerabilityInfo } from '../domain/findings.ts';
import { detailsOf, shownDetails } from './details-reads.ts';
import type { Database } from './schema.ts';
import { severityRanks } from './severity-columns.ts';
import type { RunRead } from './store-reads.ts';

export interface FoundFinding {
  findingArn: string;
  vulnerabilityId: string;
  /** The details of the first source listing it that has them (else any source's). */
  details?: VulnerabilityInfo;
}

type Row = { finding_id: Buffer; finding_arn: string | null; vulnerability_id: string; sources: string; image_repository: string };

export async function findingsByArn(db: Kysely<Database>, read: RunRead, accountId: string, arns: string[]): Promise<Map<string, FoundFinding>> {
  const wanted = new Set(arns);
  const ids = arns.map(parseFindingArn).filter((p) => p !== undefined).map((p) => Buffer.from(p.id, 'hex'));
  const select = () => db.selectFrom('findings as f')
    .innerJoin('scanned_images as i', (join) => join.onRef('i.account_id', '=', 'f.account_id').onRef('i.image_id', '=', 'f.image_id'))
    .select(['f.finding_id', 'f.finding_arn', 'f.vulnerability_id', 'f.sources', 'i.image_repository'])
    .where('f.account_id', '=', accountId);
  const rows = [
    ...(ids.length ? await read<Row>(select().where('f.severity_rank', 'in', severityRanks).where('f.finding_id', 'in', ids).compile()) : []),
    ...(await read<Row>(select().where('f.finding_arn', 'in', arns).compile())),
  ];
  const found = new Map<string, { vulnerabilityId: string; sources: string[] }>();
  for (const r of rows) {
    // The ARN a listing shows: the one an imported finding carries, else the derived one.
    const arn = r.finding_arn ?? findingArnOf(r.image_repository, r.finding_id);
    if (wanted.has(arn)) found.set(arn, { vulnerabilityId: r.vulnerability_id, sources: r.sources ? r.sources.split(',') : [] });
  }
  const details = await detailsOf(db, read, accountId, [...new Set([...found.values()].map((f) => f.vulnerabilityId))]);
  return new Map([...found].map(([arn, f]) => [arn, { findingArn: arn, vulnerabilityId: f.vulnerabilityId, details: shownDetails(details.get(f.vulnerabilityId), f.sources)?.details }]));
}
