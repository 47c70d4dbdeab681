// GET /api/v1/vulnerabilities/{id}/exposure and its page, from one query: the request's parameters
// (running only by default, page size, cursor) read once, the same answer rendered as JSON, CSV or
// HTML.
import { csvOf } from './csv.ts';
import { imageName } from './names.ts';
import type { ConsoleDependencies } from './console-dependencies.ts';
import { ConsoleInputError, flagOf, pageSizeOf, vulnerabilityIdOf, type ConsoleRequest } from './console-request.ts';
import { maxClustersPerImage, placeOf, vulnerabilityExposure, type ExposedImageKey, type ExposureAnswer } from './exposure.ts';

/** Clusters listed per image on a page, unless `clusterLimit` says otherwise. */
const clustersListed = 10;

export interface ExposureView {
  answer: ExposureAnswer;
  runningOnly: boolean;
  limit: number;
  /** The cursor of the next page, if there is one. */
  nextCursor?: string;
}

/** `defaultLimit`: a page, unless the request sets `limit`; `limit`: this many, from the start (an export). */
export async function exposureView(request: ConsoleRequest, deps: ConsoleDependencies, size: { defaultLimit: number } | { limit: number }): Promise<ExposureView> {
  const vulnerabilityId = vulnerabilityIdOf(request.params.vulnerabilityId);
  const runningOnly = flagOf(request.query, 'running', true);
  const limit = 'limit' in size ? size.limit : pageSizeOf(request.query, size.defaultLimit);
  const filter = { vulnerabilityId, runningOnly };
  const after = 'limit' in size ? undefined : deps.cursors.open('exposure', request.accountId, filter, request.query.cursor, request.now);
  if (after !== undefined && !isImageKey(after)) throw new ConsoleInputError('cursor', 'The cursor is not valid.');
  // A page lists each image's first clusters (its own page lists them all); an export, all of them.
  const clustersPerImage = 'limit' in size ? maxClustersPerImage : pageSizeOf(request.query, clustersListed, 'clusterLimit');
  const answer = await vulnerabilityExposure(deps.store, await deps.fleet.read(request.accountId), { accountId: request.accountId, vulnerabilityId, runningOnly, after, limit, clustersPerImage, now: request.now, retentionMs: deps.retentionMs });
  const nextCursor = answer.next && deps.cursors.seal('exposure', request.accountId, filter, answer.next, request.now);
  return { answer, runningOnly, limit, nextCursor };
}

function isImageKey(value: unknown): value is ExposedImageKey {
  const v = value as ExposedImageKey;
  return typeof v === 'object' && v !== null && [v.runningUnits, v.lastInUse, v.imageId].every((n) => typeof n === 'number');
}

/** The JSON answer: the summary, the page of images, and the cursor of the next page. */
export function exposureJson(view: ExposureView) {
  const { answer } = view;
  return { vulnerabilityId: answer.vulnerabilityId, runningOnly: view.runningOnly, summary: answer.summary, images: answer.images, ...(view.nextCursor && { nextCursor: view.nextCursor }) };
}

const csvColumns = [
  'vulnerabilityId', 'image', 'resourceId', 'repository', 'digest', 'tags', 'packages', 'fixedVersions', 'imageRunningUnits', 'clusterArn', 'platform',
  'detailsGroupOrNamespace', 'taskDefinitionArn', 'workloads', 'runningUnitCount', 'stoppedUnitCount', 'lastInUse',
];

/** One row per image and cluster details entry (an image that runs nowhere: one row, clusters empty). */
export function exposureCsv(view: ExposureView): string {
  const rows: unknown[][] = [];
  for (const image of view.answer.images) {
    const packages = image.packages.map((p) => `${p.packageName} ${p.installedVersion}`).join('; ');
    const fixed = image.packages.map((p) => p.fixedVersion ?? '').join('; ');
    const head = [view.answer.vulnerabilityId, imageName(image.repository, image.digest, image.tags), image.resourceId, image.repository, image.digest, image.tags.join('; '), packages, fixed, image.runningUnits];
    const details = image.clusters.flatMap((c) => c.clusterDetails.map((d) => ({ clusterArn: c.clusterArn, d })));
    if (details.length === 0) rows.push([...head, '', '', '', '', '', '', '', '']);
    for (const { clusterArn, d } of details) {
      const place = placeOf(d);
      rows.push([
        ...head, clusterArn, place.platform, place.group, place.taskDefinitionArn ?? '',
        place.workloads.map((w) => `${w.type}/${w.name}`).join('; '), d.runningUnitCount, d.stoppedUnitCount, new Date(d.lastInUse * 1000).toISOString(),
      ]);
    }
  }
  return csvOf(csvColumns, rows);
}
