// Before migration 0009, findings were stored one row per source (image_findings). The migrations
// that read those rows (0008's summaries, 0009's move to one row per finding) merge them here.
import { severityRank, type Severity } from '../../domain/severity.ts';
import { effectiveOf, type SourceStates } from '../finding-states.ts';

export interface SourceRow {
  source: string;
  vulnerability_id: string;
  package_name: string;
  package_version: string;
  fixed_version: string | null;
  severity: string;
  active: number;
  observed_at: number | string;
}

export interface MergedFinding {
  vulnerability_id: string;
  package_name: string;
  package_version: string;
  severity: Severity;
  fixed_version: string | null;
  active: number;
  sources: string;
  source_states: string | null;
  first_observed_at: number;
  last_observed_at: number;
}

/** Inspector2 findings arrived one by one: their order (observed_at) is part of their state. */
const individualSources = new Set(['inspector2']);

/** One finding per occurrence, as the sources' rows of one image say. */
export function mergeSourceRows(rows: SourceRow[]): MergedFinding[] {
  const byKey = new Map<string, { rows: SourceRow[] }>();
  for (const r of rows) {
    const key = `${r.vulnerability_id}\u0000${r.package_name}\u0000${r.package_version}`;
    const group = byKey.get(key);
    if (group) group.rows.push(r);
    else byKey.set(key, { rows: [r] });
  }
  return [...byKey.values()].map(({ rows: group }) => {
    const states: SourceStates = new Map(group.map((r) => [r.source, {
      severity: r.severity as Severity,
      fixed: r.fixed_version,
      active: r.active === 1,
      ...(individualSources.has(r.source) && { observedAt: Number(r.observed_at) }),
    }]));
    const worst = [...group].sort((a, b) => severityRank(a.severity as Severity) - severityRank(b.severity as Severity))[0];
    const effective = effectiveOf(states, { severity: worst.severity, fixed_version: worst.fixed_version });
    const times = group.map((r) => Number(r.observed_at));
    return {
      vulnerability_id: worst.vulnerability_id,
      package_name: worst.package_name,
      package_version: worst.package_version,
      severity: effective.severity,
      fixed_version: effective.fixed,
      active: effective.active ? 1 : 0,
      sources: effective.sources,
      source_states: effective.sourceStates,
      first_observed_at: Math.min(...times),
      last_observed_at: Math.max(...times),
    };
  });
}
