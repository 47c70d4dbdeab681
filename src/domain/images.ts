// The one place where image references, digests and Inspector resource ids are normalised.
//
// An image is keyed by its manifest digest within a repository. Its resource id is
//   arn:<partition>:ecr:<region>:<account>:repository/<repo>/sha256:<64 hex>
// For ECR references the region and account come from the registry host. Images of any other
// registry are kept under the ingesting account and region, with the registry host as the first
// path segment of the repository (`repository/ghcr.io/org/app`); a registry port becomes `_<port>`
// because the resource id pattern admits no `:` there.

export interface ImageKey {
  /** `arn:aws:ecr:<region>:<account>:repository/<repo>` */
  repository: string;
  /** `sha256:<64 hex>` */
  digest: string;
}

export interface ImageScope {
  accountId: string;
  region: string;
}

export interface ParsedImageReference {
  registry: string;
  path: string;
  tag?: string;
  digest?: string;
}

const digestPattern = /^sha256:[a-f0-9]{64}$/;
const ecrHost = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;
const resourceIdPattern = /^(arn:[^:]+:ecr:[^:]*:\d{12}:repository\/[a-zA-Z0-9._/-]+?)(?:\/(sha256:[a-z0-9]{64}))?$/;

export function isManifestDigest(value: string): boolean {
  return digestPattern.test(value);
}

/** Parses `[registry/]path[:tag][@sha256:...]`, with the runtime prefixes kubelet adds stripped. */
export function parseImageReference(reference: string): ParsedImageReference | undefined {
  let rest = reference.trim().replace(/^(docker-pullable|docker|containerd):\/\//, '');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isManifestDigest(digest)) return undefined;
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!rest) return undefined;
  const parts = rest.split('/');
  let registry = 'docker.io';
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    registry = parts.shift()!;
  }
  if (registry === 'docker.io' || registry === 'index.docker.io') {
    registry = 'docker.io';
    if (parts.length === 1) parts.unshift('library');
  }
  const path = parts.join('/');
  if (!/^[a-z0-9._/-]+$/.test(path) || !/^[a-zA-Z0-9.:-]+$/.test(registry)) return undefined;
  return { registry, path, tag, digest };
}

/** The repository ARN an image reference belongs to, or undefined when it cannot be one. */
export function repositoryArn(reference: ParsedImageReference, scope: ImageScope): string {
  const ecr = ecrHost.exec(reference.registry);
  if (ecr) {
    const partition = ecr[3] ? 'aws-cn' : 'aws';
    return `arn:${partition}:ecr:${ecr[2]}:${ecr[1]}:repository/${reference.path}`;
  }
  const registry = reference.registry.replace(':', '_');
  return `arn:aws:ecr:${scope.region}:${scope.accountId}:repository/${registry}/${reference.path}`;
}

/**
 * The image key of a reference, with the manifest digest taken from `digest` when the reference
 * itself carries none (ECS `imageDigest`, a Pod's `imageID`). Undefined when no digest is known.
 */
export function imageKeyOf(reference: string, scope: ImageScope, digest?: string): ImageKey | undefined {
  const parsed = parseImageReference(reference);
  if (!parsed) return undefined;
  const manifest = digest ?? parsed.digest;
  if (!manifest || !isManifestDigest(manifest)) return undefined;
  return { repository: repositoryArn(parsed, scope), digest: manifest };
}

export function resourceIdOf(key: ImageKey): string {
  return `${key.repository}/${key.digest}`;
}

export interface RepositoryParts {
  partition: string;
  region: string;
  /** The account that owns the repository: ECR's registry id. */
  accountId: string;
  /** The repository name (`team/app`, or `ghcr.io/org/app` for another registry's). */
  name: string;
}

const repositoryArnPattern = /^arn:([^:]+):ecr:([^:]*):(\d{12}):repository\/(.+)$/;

/** The parts of a repository ARN as Inspector2 names them on an image resource. */
export function repositoryParts(repositoryArn: string): RepositoryParts {
  const [, partition = 'aws', region = '', accountId = '000000000000', name = ''] = repositoryArnPattern.exec(repositoryArn) ?? [];
  return { partition, region, accountId, name };
}

/** Splits a GetClustersForImage `resourceId`; without the digest it names the whole repository. */
export function parseResourceId(resourceId: string): { repository: string; digest?: string } | undefined {
  const match = resourceIdPattern.exec(resourceId);
  if (!match) return undefined;
  return { repository: match[1], digest: match[2] };
}

/** The repository's ECR registry, or undefined when the repository is another registry's kept under the account. */
export function ecrRepositoryOf(repositoryArn: string): (RepositoryParts & { registryHost: string }) | undefined {
  const parts = repositoryParts(repositoryArn);
  if (isOtherRegistry(parts.name)) return undefined;
  return { ...parts, registryHost: `${parts.accountId}.dkr.ecr.${parts.region}.amazonaws.com${parts.partition === 'aws-cn' ? '.cn' : ''}` };
}

/** A registry host as the first path segment (`ghcr.io/org/app`, `localhost/app`, `registry_5000/app`): another registry's image. */
function isOtherRegistry(name: string): boolean {
  const first = name.split('/', 1)[0]!;
  return name.includes('/') && (first.includes('.') || first === 'localhost' || /_\d+$/.test(first));
}

/** The reference a scanner pulls: `<registry>/<repository>@<digest>`, ECR's registry host for an ECR repository. */
export function pullReference(repositoryArn: string, digest: string): string {
  const ecr = ecrRepositoryOf(repositoryArn);
  if (ecr) return `${ecr.registryHost}/${ecr.name}@${digest}`;
  return `${repositoryParts(repositoryArn).name.replace(/^([^/]+)_(\d+)\//, '$1:$2/')}@${digest}`;
}
