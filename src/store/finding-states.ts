// What each source says about one finding, and the finding that follows from it. A finding is ACTIVE
// while at least one source lists it, at the worst severity a listing source gives; the fix named by
// the worst-rated listing source that names one. Most findings have one source, a scanner whose
// report is the image's complete list: its view is the row's own columns and nothing more is stored.
// Anything else (several sources, or Inspector2, whose findings arrive one by one with their own
// status and time) keeps every source's view in `source_states`.
import { severityRank, type Severity } from '../domain/severity.ts';
import type { FindingRow } from './schema.ts';

export interface SourceState {
  severity: Severity;
  fixed: string | null;
  /** False: the source has it, closed (an Inspector2 finding CLOSED or SUPPRESSED). */
  active: boolean;
  /** Sources of individual findings: when this state was observed; an older state never replaces it. */
  observedAt?: number;
}

export type SourceStates = Map<string, SourceState>;

/** A finding as an ingest handles it: its severity by name. */
export type StoredFinding = Omit<FindingRow, 'account_id' | 'image_id' | 'severity_rank'> & { severity: string };

/** Each source's view of the finding, as stored. */
export function statesOf(row: StoredFinding): SourceStates {
  if (row.source_states !== null) return new Map(Object.entries(JSON.parse(row.source_states) as Record<string, SourceState>));
  if (row.sources === '') return new Map();
  return new Map([[row.sources, { severity: row.severity as Severity, fixed: row.fixed_version, active: true }]]);
}

export interface Effective {
  active: boolean;
  severity: Severity;
  fixed: string | null;
  /** The listing sources, sorted, comma-separated. */
  sources: string;
  /** null when the row's own columns say everything (see statesOf). */
  sourceStates: string | null;
}

/** The finding that follows from the sources' views; a closed one keeps its last severity and fix. */
export function effectiveOf(states: SourceStates, previous?: Pick<StoredFinding, 'severity' | 'fixed_version'>): Effective {
  const listing = [...states].filter(([, s]) => s.active).sort(([a, x], [b, y]) => severityRank(x.severity) - severityRank(y.severity) || (a < b ? -1 : 1));
  if (listing.length === 0) {
    const [, last] = [...states][0] ?? [];
    return {
      active: false,
      severity: (previous?.severity as Severity) ?? last?.severity ?? 'UNTRIAGED',
      fixed: previous ? previous.fixed_version : (last?.fixed ?? null),
      sources: '',
      sourceStates: states.size === 0 ? null : serialise(states),
    };
  }
  const [[onlySource, only]] = listing;
  const implicit = states.size === 1 && only.observedAt === undefined;
  return {
    active: true,
    severity: only.severity,
    fixed: listing.find(([, s]) => s.fixed !== null)?.[1].fixed ?? null,
    sources: listing.map(([name]) => name).sort().join(','),
    sourceStates: implicit && onlySource ? null : serialise(states),
  };
}

function serialise(states: SourceStates): string {
  return JSON.stringify(Object.fromEntries([...states].sort(([a], [b]) => (a < b ? -1 : 1))));
}
