// What a findings listing asks for, in Inspector2's terms (ListFindings' filterCriteria) with times in
// epoch ms, and the matching rules AWS documents for them: within one field, the EQUALS and PREFIX
// entries are OR'd and the NOT_EQUALS entries AND'd; the fields are AND'd; a list of ranges matches a
// value inside any of them.

export interface TextCriterion {
  comparison: 'EQUALS' | 'PREFIX' | 'NOT_EQUALS';
  value: string;
}

/** Inclusive bounds; an absent bound is open. */
export interface RangeCriterion {
  low?: number;
  high?: number;
}

/** A PackageFilter: every member given must match the same package. */
export interface PackageCriterion {
  name?: TextCriterion;
  version?: TextCriterion;
  epoch?: RangeCriterion;
  release?: TextCriterion;
  architecture?: TextCriterion;
  sourceLayerHash?: TextCriterion;
  sourceLambdaLayerArn?: TextCriterion;
  filePath?: TextCriterion;
}

/** The fields imagescope can match for container images, as Inspector2 names them. */
export type TextField =
  | 'findingArn' | 'awsAccountId' | 'findingType' | 'severity' | 'findingStatus' | 'title' | 'resourceType' | 'resourceId'
  | 'ecrImageRegistry' | 'ecrImageRepositoryName' | 'ecrImageTags' | 'ecrImageHash' | 'ecrImageArchitecture'
  | 'vulnerabilityId' | 'vulnerabilitySource' | 'vendorSeverity' | 'relatedVulnerabilities' | 'fixAvailable' | 'exploitAvailable'
  // Image Builder's: the pipeline and build version an image was tagged with at ingest.
  | 'imagePipelineArn' | 'imageBuildVersionArn';
export type RangeField = 'firstObservedAt' | 'lastObservedAt' | 'updatedAt' | 'ecrImagePushedAt' | 'ecrImageLastInUseAt' | 'inspectorScore' | 'epssScore' | 'ecrImageInUseCount';

export type FindingCondition =
  | { field: TextField; text: TextCriterion[] }
  | { field: RangeField; range: RangeCriterion[] }
  | { field: 'vulnerablePackages'; packages: PackageCriterion[] };

export interface FindingCriteria {
  /** Each must hold. */
  conditions: FindingCondition[];
  /** A field about another kind of resource (EC2, Lambda, code repositories, ports, ...) was given: nothing matches. */
  otherResourceField?: string;
}

/**
 * Whether a value (or any of several, for a field with many: tags, related ids) passes a field's
 * criteria. A missing value passes only NOT_EQUALS entries.
 */
export function matchesText(value: string | string[] | undefined, criteria: TextCriterion[]): boolean {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const wanted = criteria.filter((c) => c.comparison !== 'NOT_EQUALS');
  if (wanted.length > 0 && !wanted.some((c) => values.some((v) => (c.comparison === 'EQUALS' ? v === c.value : v.startsWith(c.value))))) return false;
  return criteria.every((c) => c.comparison !== 'NOT_EQUALS' || !values.includes(c.value));
}

/** Whether a value lies in any of the ranges; a missing value in none. */
export function inRanges(value: number | undefined, ranges: RangeCriterion[]): boolean {
  return value !== undefined && ranges.some((r) => (r.low === undefined || value >= r.low) && (r.high === undefined || value <= r.high));
}

/** A model DateFilter (epoch seconds) or NumberFilter as a range; dates become epoch ms. */
export function rangeOfFilter(filter: { startInclusive?: number; endInclusive?: number; lowerInclusive?: number; upperInclusive?: number }, kind: 'date' | 'number'): RangeCriterion {
  const [low, high, scale] = kind === 'date' ? [filter.startInclusive, filter.endInclusive, 1000] : [filter.lowerInclusive, filter.upperInclusive, 1];
  return { ...(low !== undefined && { low: low * scale }), ...(high !== undefined && { high: high * scale }) };
}
