// Which image a findings report is about. Reports name it in their own ways (Trivy RepoDigests,
// Grype repoDigests/manifestDigest, CycloneDX metadata.component, SARIF run properties); `--image`
// overrides them and is the way to ingest a report that names no manifest digest.
import { IngestRejection } from '../ingest-rejection.ts';
import { imageKeyOf, parseImageReference, parseResourceId, repositoryArn, type ImageKey, type ImageScope } from '../../domain/images.ts';
import { defaultRegion, type ParseContext } from '../parse-result.ts';

export interface ImageCandidate {
  /** An image reference, digest-pinned or not. */
  reference: string;
  /** The manifest digest, when the report gives it apart from the reference. */
  digest?: string;
}

const missingImageAdvice =
  'the report names no manifest digest for the image: pass --image <repository>[:tag]@sha256:<digest> ' +
  '(or an Inspector resource id); `docker buildx imagetools inspect <image>` or `crane digest <image>` prints the digest';

export function scopeOf(context: ParseContext): ImageScope {
  return { accountId: context.accountId, region: context.region ?? defaultRegion };
}

/** The image named by `--image`: an Inspector resource id with digest, or a digest-pinned reference. */
export function imageFromOption(value: string, scope: ImageScope): ImageKey | undefined {
  if (value.startsWith('arn:')) {
    const parsed = parseResourceId(value);
    return parsed?.digest ? { repository: parsed.repository, digest: parsed.digest } : undefined;
  }
  return imageKeyOf(value, scope);
}

export function reportImage(candidates: ImageCandidate[], context: ParseContext, path: string): ImageKey {
  const scope = scopeOf(context);
  if (context.image) {
    const key = imageFromOption(context.image, scope);
    if (!key) throw new IngestRejection('$', `--image '${context.image}' names no manifest digest (repository@sha256:<64 hex>)`);
    return key;
  }
  for (const candidate of candidates) {
    const key = imageKeyOf(candidate.reference, scope, candidate.digest);
    if (key) return key;
  }
  throw new IngestRejection(path, missingImageAdvice);
}

/**
 * The tags a report gives its image: those of its references that name the image's own repository
 * (a report ingested with `--image` for another repository keeps none of the report's), and the tag
 * of `--image`'s reference. Undefined when there are none.
 */
export function reportTags(references: string[], image: ImageKey, context: ParseContext): string[] | undefined {
  const scope = scopeOf(context);
  const tags = new Set<string>();
  for (const reference of context.image ? [context.image, ...references] : references) {
    const parsed = parseImageReference(reference);
    if (parsed?.tag && repositoryArn(parsed, scope) === image.repository) tags.add(parsed.tag);
  }
  return tags.size > 0 ? [...tags].sort() : undefined;
}
