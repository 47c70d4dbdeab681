// What a report changes in its image's findings: the rows to insert and the rows to rewrite, decided
// in memory from the image's stored findings (open and closed), so that the database sees one write
// per changed finding and none for the rest. The times are the report's: `updatedAt` moves when a
// finding opens, closes, reopens or changes severity or fix; `lastObservedAt` when a report lists it.
import { FindingIds } from '../domain/finding-ids.ts';
import type { Finding, FindingsReport } from '../domain/findings.ts';
import { effectiveOf, statesOf, type SourceState, type SourceStates, type StoredFinding } from './finding-states.ts';
import type { ImageLayers } from './image-layers.ts';

/** What the rows of one image's findings are built with. */
export interface ImageContext {
  /** The ingest time (epoch ms): when a finding closed, for the retention of closed findings. */
  ingestedAt: number;
  ids: FindingIds;
  layers: ImageLayers;
}

export interface FindingChanges {
  inserts: StoredFinding[];
  /** Each rewritten row, with the severity it is stored under now (part of its key). */
  updates: { row: StoredFinding; storedSeverity: string }[];
  /** The image's findings afterwards. */
  after: StoredFinding[];
  /** Whether what the counts read moved: a finding opened, closed, or changed severity or fix. */
  counted: boolean;
}

const keyOf = (vulnerabilityId: string, packageName: string, packageVersion: string) => `${vulnerabilityId}\u0000${packageName}\u0000${packageVersion}`;

/**
 * A snapshot report (the source's complete list for the image): the findings it lists get its view,
 * the others lose the source's view (and close when no source is left). `time` is the report's.
 */
export function snapshotChanges(before: StoredFinding[], report: FindingsReport, time: number, image: ImageContext): FindingChanges {
  const changes = new Changes(before, image);
  const listed = new Set<string>();
  report.findings.forEach((f, i) => {
    const key = keyOf(f.vulnerabilityId, f.packageName, f.packageVersion);
    listed.add(key);
    changes.apply(key, f, report.source, { severity: f.severity, fixed: f.fixedVersion ?? null, active: f.active }, time, report.findingIds && FindingIds.at(report.findingIds, i));
  });
  for (const row of before) {
    const key = keyOf(row.vulnerability_id, row.package_name, row.package_version);
    if (!listed.has(key) && statesOf(row).has(report.source)) changes.drop(key, report.source, time);
  }
  return changes.result();
}

/**
 * Individual findings, each with its own status and time (Inspector2): each moves forward unless the
 * source's stored view of it was observed later. An imported Inspector2 finding keeps its ARN and,
 * while it is the finding's only source, its own times.
 */
export function incrementalChanges(before: StoredFinding[], report: FindingsReport, now: number, image: ImageContext): FindingChanges {
  const changes = new Changes(before, image);
  for (const f of report.findings) {
    const observedAt = f.observedAt ?? now;
    const key = keyOf(f.vulnerabilityId, f.packageName, f.packageVersion);
    const seen = changes.stored(key);
    const previous = seen && statesOf(seen).get(report.source);
    if (previous?.observedAt !== undefined && previous.observedAt >= observedAt) continue;
    changes.apply(key, f, report.source, { severity: f.severity, fixed: f.fixedVersion ?? null, active: f.active, observedAt }, observedAt);
  }
  return changes.result();
}

class Changes {
  private readonly byKey: Map<string, StoredFinding>;
  private readonly inserted = new Map<string, StoredFinding>();
  private readonly updated = new Map<string, { row: StoredFinding; storedSeverity: string }>();
  private counted = false;

  constructor(
    private readonly before: StoredFinding[],
    private readonly image: ImageContext,
  ) {
    this.byKey = new Map(before.map((r) => [keyOf(r.vulnerability_id, r.package_name, r.package_version), r]));
  }

  stored(key: string): StoredFinding | undefined {
    return this.inserted.get(key) ?? this.updated.get(key)?.row ?? this.byKey.get(key);
  }

  /** Sets the source's view of the finding `f` names (`id`: its id, where derived already). */
  apply(key: string, f: Finding, source: string, state: SourceState, time: number, id?: Buffer): void {
    const row = this.stored(key);
    if (!row) {
      this.inserted.set(key, newFinding(f, this.image, source, state, time, id));
      this.counted ||= state.active;
      return;
    }
    const states = statesOf(row);
    states.set(source, state);
    // Inspector2's own times stand while it is the finding's only source.
    this.settle(key, row, states, time, f, f.inspector2 && states.size === 1 ? inspector2Times(f, row) : undefined);
  }

  /** Removes the source's view (its newer report no longer lists the finding). */
  drop(key: string, source: string, time: number): void {
    const row = this.stored(key)!;
    const states = statesOf(row);
    states.delete(source);
    this.settle(key, row, states, time);
  }

  private settle(key: string, row: StoredFinding, states: SourceStates, time: number, f?: Finding, ownTimes?: Partial<StoredFinding>): void {
    const effective = effectiveOf(states, row);
    const changed = effective.active !== (row.active === 1) || effective.severity !== row.severity || effective.fixed !== row.fixed_version;
    const listedNow = f !== undefined && f.active;
    const next: StoredFinding = {
      ...row,
      severity: effective.severity,
      fixed_version: effective.fixed,
      active: effective.active ? 1 : 0,
      sources: effective.sources,
      source_states: effective.sourceStates,
      last_observed_at: listedNow ? Math.max(row.last_observed_at, time) : row.last_observed_at,
      updated_at: changed ? Math.max(row.updated_at, time) : row.updated_at,
      // Closed findings are kept for a while after imagescope saw them close, whatever the report's time.
      closed_at: effective.active ? null : (row.closed_at ?? this.image.ingestedAt),
      ...(f && locationOf(f, this.image.layers)),
      ...ownTimes,
    };
    if (!differs(row, next)) return;
    this.counted ||= changed;
    if (this.inserted.has(key)) this.inserted.set(key, next);
    else this.updated.set(key, { row: next, storedSeverity: this.updated.get(key)?.storedSeverity ?? row.severity });
  }

  result(): FindingChanges {
    const inserts = [...this.inserted.values()];
    const updates = [...this.updated.values()];
    if (inserts.length === 0 && updates.length === 0) return { inserts, updates, after: this.before, counted: false };
    const after = this.before.map((r) => this.updated.get(keyOf(r.vulnerability_id, r.package_name, r.package_version))?.row ?? r);
    return { inserts, updates, after: inserts.length ? after.concat(inserts) : after, counted: this.counted };
  }
}

function newFinding(f: Finding, image: ImageContext, source: string, state: SourceState, time: number, id?: Buffer): StoredFinding {
  // One source's view of a finding never seen: most of an ingest's rows, so the common case (an open
  // scanner finding) skips the general merge.
  const effective = state.active && state.observedAt === undefined
    ? { severity: state.severity, fixed: state.fixed, active: true, sources: source, sourceStates: null }
    : effectiveOf(new Map([[source, state]]));
  return {
    severity: effective.severity,
    finding_id: id ?? image.ids.of(f.vulnerabilityId, f.packageName, f.packageVersion),
    vulnerability_id: f.vulnerabilityId,
    package_name: f.packageName,
    package_version: f.packageVersion,
    fixed_version: effective.fixed,
    active: effective.active ? 1 : 0,
    first_observed_at: time,
    last_observed_at: time,
    updated_at: time,
    closed_at: effective.active ? null : image.ingestedAt,
    sources: effective.sources,
    source_states: effective.sourceStates,
    finding_arn: f.inspector2?.findingArn ?? null,
    file_path: null,
    layer_index: null,
    package_manager: null,
    ...locationOf(f, image.layers),
    ...(f.inspector2 && inspector2Times(f)),
  };
}

/** Where the finding says its package is; undefined when it says nothing. */
function locationOf(f: Finding, layers: ImageLayers): Pick<StoredFinding, 'file_path' | 'layer_index' | 'package_manager'> | undefined {
  const location = f.location;
  if (!location) return undefined;
  return { file_path: location.filePath ?? null, layer_index: location.layerHash ? layers.placeOf(location.layerHash) : null, package_manager: location.packageManager ?? null };
}

/** An Inspector2 finding's own ARN and times, where it gives them. */
function inspector2Times(f: Finding, row?: StoredFinding): Partial<StoredFinding> {
  const original = f.inspector2!;
  return {
    finding_arn: original.findingArn ?? null,
    ...(original.firstObservedAt !== undefined && { first_observed_at: Math.min(original.firstObservedAt, row?.first_observed_at ?? Infinity) }),
    ...(original.lastObservedAt !== undefined && { last_observed_at: original.lastObservedAt }),
    ...(original.updatedAt !== undefined && { updated_at: original.updatedAt }),
  };
}

const columns: (keyof StoredFinding)[] = ['severity', 'fixed_version', 'active', 'first_observed_at', 'last_observed_at', 'updated_at', 'closed_at', 'sources', 'source_states', 'finding_arn', 'file_path', 'layer_index', 'package_manager'];

function differs(a: StoredFinding, b: StoredFinding): boolean {
  return columns.some((c) => a[c] !== b[c]);
}
