// Pipelines and build versions with the counts ListImageScanFindingAggregations gives, worst first,
// straight from the rollups (`by=pipeline`, the default, or `by=build`), paged by the last row's
// place in that order. GET /api/v1/pipelines and the Pipelines page come from this one query.
import { csvOf } from './csv.ts';
import type { AggregationRow, RollupAggregation } from '../store/store.ts';
import { ConsoleInputError, pageSizeOf, type ConsoleRequest } from './console-request.ts';
import type { ConsoleDependencies } from './console-dependencies.ts';

export type PipelinesBy = 'pipeline' | 'build';

const aggregations: Record<PipelinesBy, { aggregation: RollupAggregation; member: string }> = {
  pipeline: { aggregation: 'imagePipelineArn', member: 'imagePipelineArn' },
  build: { aggregation: 'imageBuildVersionArn', member: 'imageBuildVersionArn' },
};

export interface PipelinesView {
  by: PipelinesBy;
  rows: AggregationRow[];
  limit: number;
  nextCursor?: string;
}

const defaultPageSize = 50;
const exportedRows = 10_000;

export async function pipelinesView(request: ConsoleRequest, deps: ConsoleDependencies, exportAll = false): Promise<PipelinesView> {
  const by = request.query.by ?? 'pipeline';
  if (by !== 'pipeline' && by !== 'build') throw new ConsoleInputError('by', `by must be pipeline or build, not '${by}'`);
  const limit = exportAll ? exportedRows : pageSizeOf(request.query, defaultPageSize);
  const after = exportAll ? undefined : deps.cursors.open('pipelines', request.accountId, { by }, request.query.cursor, request.now);
  if (after !== undefined && !isAggregationRow(after)) throw new ConsoleInputError('cursor', 'The cursor is not valid.');
  const { rows } = await deps.store.aggregationPage({ accountId: request.accountId, aggregation: aggregations[by].aggregation, after, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { by, rows: page, limit, nextCursor: rows.length > limit && last ? deps.cursors.seal('pipelines', request.accountId, { by }, last, request.now) : undefined };
}

function isAggregationRow(value: unknown): value is AggregationRow {
  const v = value as AggregationRow;
  return typeof v === 'object' && v !== null && typeof v.key === 'string' && [v.all, v.critical, v.high, v.medium].every((n) => typeof n === 'number');
}

export function pipelinesJson(view: PipelinesView) {
  const { member } = aggregations[view.by];
  return {
    by: view.by,
    items: view.rows.map((r) => ({ [member]: r.key, severityCounts: { all: r.all, critical: r.critical, high: r.high, medium: r.medium } })),
    ...(view.nextCursor && { nextCursor: view.nextCursor }),
  };
}

export function pipelinesCsv(view: PipelinesView): string {
  return csvOf([aggregations[view.by].member, 'all', 'critical', 'high', 'medium'], view.rows.map((r) => [r.key, r.all, r.critical, r.high, r.medium]));
}
