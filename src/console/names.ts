// How the console names images and clusters, on pages and in CSV files: as people name them.

/**
 * `repository:tag@sha256:0123456789ab…`: the repository without its ARN prefix, the first of its tags
 * where reports gave one, and a short digest; the full resource id is one click away.
 */
export function imageName(repository: string, digest: string, tags: readonly string[] = []): string {
  const marker = ':repository/';
  const at = repository.indexOf(marker);
  return `${at === -1 ? repository : repository.slice(at + marker.length)}${tags.length ? `:${tags[0]}` : ''}@${digest.slice(0, 19)}…`;
}

/** The name of an image known by its resource id (`<repository ARN>/<digest>`). */
export function imageNameOf(resourceId: string, tags: readonly string[] = []): string {
  const at = resourceId.lastIndexOf('/');
  return imageName(resourceId.slice(0, at), resourceId.slice(at + 1), tags);
}

/** The last segment of a cluster ARN: the name people give it. */
export const clusterName = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);

/** An Image Builder pipeline or build version by the name in its ARN (`web`, `web/1.4.0/1`). */
export const imageBuilderName = (arn: string) => arn.replace(/^arn:[^:]+:imagebuilder:[^:]*:\d{12}:(image-pipeline|image)\//, '');
