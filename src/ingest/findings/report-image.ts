// Which image a findings report is about. Reports name it in their own ways (Trivy RepoDigests,
// Grype repoDigests/manifestDigest, CycloneDX metadata.component, SARIF run properties); `--image`
// overrides them and is the way to ingest a report that names no manifest digest.
import { IngestRejection } from '../ingest-rejection.ts';
import { imageKeyOf, parseResourceId, type ImageKey, type ImageScope } from '../images.ts';
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
