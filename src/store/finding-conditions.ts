// The conditions of a findings listing about each finding, as SQL over the findings table (`f`):
// its severity, status, vulnerability, title, fix, times and package, its ARN (the head its image
// gives it and its id, or an imported Inspector2 finding's own), and what its vulnerability's stored
// details say. Conditions about images arrive already decided, as the images that pass them.
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { matchesText, type FindingCondition, type PackageCriterion, type RangeCriterion, type TextCriterion } from '../domain/finding-criteria.ts';
import { severities } from '../domain/severity.ts';
import type { ListedImage } from './finding-images.ts';
import type { Database } from './schema.ts';

export type FindingsBuilder = ExpressionBuilder<Database & { f: Database['findings'] }, 'f'>;
type Builder = FindingsBuilder;
type Condition = Expression<SqlBool>;

const always = sql<SqlBool>`1 = 1`;
const never = sql<SqlBool>`1 = 0`;

/** A text expression against a field's criteria: EQUALS and PREFIX entries OR'd, NOT_EQUALS AND'd. */
function textMatches(eb: Builder, value: Expression<string>, criteria: TextCriterion[]): Condition {
  const wanted = criteria.filter((c) => c.comparison !== 'NOT_EQUALS').map((c) =>
    c.comparison === 'EQUALS' ? eb(value, '=', c.value) : eb(sql<string>`substr(${value}, 1, ${c.value.length})`, '=', c.value),
  );
  const unwanted = criteria.filter((c) => c.comparison === 'NOT_EQUALS').map((c) => eb(value, '<>', c.value));
  return eb.and([...(wanted.length ? [eb.or(wanted)] : []), ...unwanted]);
}

function rangesMatch(eb: Builder, value: Expression<number>, ranges: RangeCriterion[]): Condition {
  return eb.or(ranges.map((r) => eb.and([...(r.low !== undefined ? [eb(value, '>=', r.low)] : []), ...(r.high !== undefined ? [eb(value, '<=', r.high)] : [])])));
}

/** The values of a closed set (severity names, YES/NO) that pass the criteria. */
const passing = <T extends string>(values: readonly T[], criteria: TextCriterion[]) => values.filter((v) => matchesText(v, criteria));

export interface ConditionContext {
  dialect: 'sqlite' | 'postgres';
  /** The account's images, by id. */
  images: Map<number, ListedImage>;
}

/** The SQL for one condition about findings, or undefined when it is about images only. */
export function findingCondition(eb: Builder, condition: FindingCondition, context: ConditionContext): Condition | undefined {
  if ('packages' in condition) return eb.or(condition.packages.map((p) => packageMatches(eb, p, context)));
  if ('range' in condition) {
    const column = ({ firstObservedAt: 'f.first_observed_at', lastObservedAt: 'f.last_observed_at', updatedAt: 'f.updated_at' } as const)[condition.field as 'firstObservedAt'];
    if (column) return rangesMatch(eb, eb.ref(column), condition.range);
    if (condition.field === 'inspectorScore') return detailsMatch(eb, (d) => rangesMatch(eb, detailsMember(context.dialect, d, '$.primaryCvss.baseScore', 'number'), condition.range));
    if (condition.field === 'epssScore') return detailsMatch(eb, (d) => rangesMatch(eb, detailsMember(context.dialect, d, '$.epss', 'number'), condition.range));
    return undefined;
  }
  const { field, text } = condition;
  switch (field) {
    case 'severity': {
      const ranks = passing(severities, text).map((name) => severities.indexOf(name));
      return ranks.length ? eb('f.severity_rank', 'in', ranks) : never;
    }
    case 'findingStatus': {
      const statuses = passing(['ACTIVE', 'CLOSED'] as const, text);
      return statuses.length === 2 ? always : statuses.length === 1 ? eb('f.active', '=', statuses[0] === 'ACTIVE' ? 1 : 0) : never;
    }
    case 'fixAvailable': {
      const answers = passing(['YES', 'NO'] as const, text);
      return answers.length === 2 ? always : answers.length === 1 ? eb('f.fixed_version', answers[0] === 'YES' ? 'is not' : 'is', null) : never;
    }
    case 'vulnerabilityId':
      return textMatches(eb, eb.ref('f.vulnerability_id'), text);
    case 'title':
      return textMatches(eb, sql<string>`${eb.ref('f.vulnerability_id')} || ' - ' || ${eb.ref('f.package_name')}`, text);
    case 'findingArn':
      return arnMatches(eb, text, context);
    case 'vulnerabilitySource':
      return detailsMatch(eb, (d) => textMatches(eb, detailsMember(context.dialect, d, '$.source', 'text'), text));
    case 'vendorSeverity':
      return detailsMatch(eb, (d) => textMatches(eb, detailsMember(context.dialect, d, '$.vendorSeverity', 'text'), text));
    case 'exploitAvailable': {
      const answers = passing(['YES', 'NO'] as const, text);
      if (answers.length !== 1) return answers.length === 2 ? always : never;
      const exploited = detailsMatch(eb, (d) => exploitKnown(context.dialect, d));
      return answers[0] === 'YES' ? exploited : eb.not(exploited);
    }
    case 'relatedVulnerabilities':
      return detailsMatch(eb, (d) => relatedMatch(eb, context, d, text));
    default:
      return undefined;
  }
}

/** Some source's stored details of the finding's vulnerability pass `test`. */
function detailsMatch(eb: Builder, test: (details: Expression<string>) => Condition): Condition {
  return eb.exists(
    eb.selectFrom('vulnerability_details as d').select(sql`1`.as('one'))
      .whereRef('d.account_id', '=', 'f.account_id').whereRef('d.vulnerability_id', '=', 'f.vulnerability_id')
      .where(() => test(sql.ref('d.details'))),
  );
}

/** A member of the details JSON (`$.a.b`) as text or as a number, in the dialect's JSON functions. */
export function detailsMember(dialect: ConditionContext['dialect'], details: Expression<string>, path: string, type: 'text'): Expression<string>;
export function detailsMember(dialect: ConditionContext['dialect'], details: Expression<string>, path: string, type: 'number'): Expression<number>;
export function detailsMember(dialect: ConditionContext['dialect'], details: Expression<string>, path: string, type: 'text' | 'number'): Expression<string | number> {
  if (dialect === 'sqlite') return sql<string | number>`json_extract(${details}, ${path})`;
  const value = sql<string>`(${details})::jsonb #>> ${`{${path.slice(2).split('.').join(',')}}`}`;
  return type === 'number' ? sql<number>`(${value})::double precision` : value;
}

/** The details say the vulnerability is exploited: known exploited (CISA KEV), or an exploit observed (Inspector2). */
export function exploitKnown(dialect: ConditionContext['dialect'], details: Expression<string>): Expression<SqlBool> {
  return sql<SqlBool>`coalesce(${detailsMember(dialect, details, '$.knownExploited', 'text')}, ${detailsMember(dialect, details, '$.exploitObserved', 'text')}) is not null`;
}

/** Whether any id among the details' related vulnerabilities passes: a list, matched as tags are. */
function relatedMatch(eb: Builder, context: ConditionContext, details: Expression<string>, criteria: TextCriterion[]): Condition {
  const elements = context.dialect === 'sqlite'
    ? sql`(select value as v from json_each(${details}, '$.relatedVulnerabilities'))`
    : sql`(select v from jsonb_array_elements_text(coalesce((${details})::jsonb -> 'relatedVulnerabilities', '[]'::jsonb)) as e(v))`;
  const wanted = criteria.filter((c) => c.comparison !== 'NOT_EQUALS');
  const any = (c: TextCriterion) => sql<SqlBool>`exists (select 1 from ${elements} as r where ${c.comparison === 'EQUALS' ? sql`r.v = ${c.value}` : sql`substr(r.v, 1, ${c.value.length}) = ${c.value}`})`;
  return eb.and([...(wanted.length ? [eb.or(wanted.map(any))] : []), ...criteria.filter((c) => c.comparison === 'NOT_EQUALS').map((c) => eb.not(any(c)))]);
}

/**
 * A PackageFilter against the finding's one package: its name, version and file, and its layer (by
 * its place in the image's list of layers). Reports name no epoch, release, architecture or Lambda
 * layer: those members pass only a NOT_EQUALS.
 */
function packageMatches(eb: Builder, p: PackageCriterion, context: ConditionContext): Condition {
  const parts: Condition[] = [];
  if (p.name) parts.push(textMatches(eb, eb.ref('f.package_name'), [p.name]));
  if (p.version) parts.push(textMatches(eb, eb.ref('f.package_version'), [p.version]));
  if (p.filePath) parts.push(eb.and([eb('f.file_path', 'is not', null), textMatches(eb, sql<string>`${eb.ref('f.file_path')}`, [p.filePath])]));
  for (const absent of [p.release, p.architecture, p.sourceLambdaLayerArn]) if (absent && !matchesText(undefined, [absent])) parts.push(never);
  if (p.epoch) parts.push(never);
  if (p.sourceLayerHash) {
    const layers = [...context.images.values()].flatMap((image) => {
      const places = image.layers.flatMap((hash, place) => (matchesText(hash, [p.sourceLayerHash!]) ? [place] : []));
      return places.length ? [eb.and([eb('f.image_id', '=', image.imageId), eb('f.layer_index', 'in', places)])] : [];
    });
    parts.push(layers.length ? eb.or(layers) : never);
  }
  return eb.and(parts);
}

/**
 * The finding's ARN against the criteria. A derived ARN is its image's head and its id in hex, so
 * each criterion becomes one about the id for the images of each head (few: one per region and
 * account); an imported Inspector2 finding's ARN is matched as the text it is.
 */
function arnMatches(eb: Builder, criteria: TextCriterion[], context: ConditionContext): Condition {
  const byHead = new Map<string, number[]>();
  for (const image of context.images.values()) byHead.set(image.arnHead, [...(byHead.get(image.arnHead) ?? []), image.imageId]);
  const derived = [...byHead].map(([head, imageIds]) => {
    const idConditions = criteria.map((c) => idCondition(eb, head, c));
    const wanted = idConditions.filter((_, i) => criteria[i].comparison !== 'NOT_EQUALS');
    const unwanted = idConditions.filter((_, i) => criteria[i].comparison === 'NOT_EQUALS');
    return eb.and([eb('f.image_id', 'in', imageIds), ...(wanted.length ? [eb.or(wanted)] : []), ...unwanted]);
  });
  return eb.or([
    eb.and([eb('f.finding_arn', 'is', null), derived.length ? eb.or(derived) : never]),
    eb.and([eb('f.finding_arn', 'is not', null), textMatches(eb, sql<string>`${eb.ref('f.finding_arn')}`, criteria)]),
  ]);
}

/** What one ARN criterion says about the ids of findings whose ARNs begin with `head`. */
function idCondition(eb: Builder, head: string, c: TextCriterion): Condition {
  if (c.comparison === 'PREFIX' && head.startsWith(c.value)) return always;
  const hex = c.value.startsWith(head) ? c.value.slice(head.length) : undefined;
  const valid = hex !== undefined && /^[a-f0-9]*$/.test(hex) && hex.length <= 32;
  if (c.comparison === 'NOT_EQUALS') return valid && hex.length === 32 ? eb('f.finding_id', '<>', Buffer.from(hex, 'hex')) : always;
  if (!valid || (c.comparison === 'EQUALS' && hex.length !== 32)) return never;
  if (hex.length === 32) return eb('f.finding_id', '=', Buffer.from(hex, 'hex'));
  // Every id whose hex begins so: from the prefix padded with 0s to it padded with fs.
  return eb.and([eb('f.finding_id', '>=', Buffer.from(hex.padEnd(32, '0'), 'hex')), eb('f.finding_id', '<=', Buffer.from(hex.padEnd(32, 'f'), 'hex'))]);
}
