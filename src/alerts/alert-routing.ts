// What decides which exposures a destination hears about, apart from where and how it is sent: its
// filters and timings. The store keeps these (never a URL, a secret or a header: a Slack webhook's URL
// is itself a secret), so that every writer, whichever process it runs in, decides in its own
// transaction which destinations an exposure's change concerns.
import { severityRank } from '../domain/severity.ts';
import type { Destination } from './alerts-file.ts';

export type AlertRouting = Pick<Destination, 'name' | 'type' | 'events' | 'accounts' | 'clusters' | 'namespaces' | 'repositories' | 'fixAvailableOnly' | 'resolveAfterMs' | 'cooldownMs' | 'batchWindowMs'> & {
  /** The least severe rank (CRITICAL 0 ... UNTRIAGED 5) it hears about. */
  minRank: number;
};

export function routingOf(destination: Destination): AlertRouting {
  const { name, type, events, minSeverity, accounts, clusters, namespaces, repositories, fixAvailableOnly, resolveAfterMs, cooldownMs, batchWindowMs } = destination;
  return { name, type, events, minRank: minSeverity ? severityRank(minSeverity) : 5, accounts, clusters, namespaces, repositories, fixAvailableOnly, resolveAfterMs, cooldownMs, batchWindowMs };
}

/** One image's part in an exposure: it runs in this group of the cluster and carries the vulnerability. */
export interface ExposureCarrier {
  repository: string;
  digest: string;
  platform: 'ECS' | 'EKS';
  /** The EKS namespace, or the ECS task group. */
  detailsGroup: string;
  /** CRITICAL 0 ... UNTRIAGED 5: the worst of the image's findings of it. */
  rank: number;
  fixable: boolean;
}

export interface ExposureKey {
  accountId: string;
  clusterArn: string;
  vulnerabilityId: string;
}

/** How an exposure looks to one destination: what of it passes its filters. */
export interface MatchedExposure {
  rank: number;
  exploited: boolean;
  carriers: ExposureCarrier[];
}

/**
 * What of the exposure the destination hears about, or undefined when nothing of it passes. Namespace
 * globs match EKS namespaces (an ECS task group has none); repository globs match the repository as
 * people write it (`ghcr.io/org/app`, `team/api`) or its ARN.
 */
export function matchExposure(routing: AlertRouting, key: ExposureKey, carriers: ExposureCarrier[], exploited: boolean): MatchedExposure | undefined {
  if (!matchesAny(routing.accounts, key.accountId) || !matchesAny(routing.clusters, key.clusterArn, clusterNameOf(key.clusterArn))) return undefined;
  const passing = carriers.filter(
    (c) =>
      (routing.namespaces.length === 0 || (c.platform === 'EKS' && matchesAny(routing.namespaces, c.detailsGroup))) &&
      matchesAny(routing.repositories, c.repository, repositoryNameOf(c.repository)) &&
      (!routing.fixAvailableOnly || c.fixable),
  );
  if (passing.length === 0) return undefined;
  const rank = Math.min(...passing.map((c) => c.rank));
  if (rank > routing.minRank) return undefined;
  return { rank, exploited, carriers: passing };
}

export const clusterNameOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
/** `arn:aws:ecr:<region>:<account>:repository/<name>` -> `<name>`. */
export const repositoryNameOf = (arn: string) => arn.slice(arn.indexOf(':repository/') + ':repository/'.length);

/** True when there are no globs, or one matches one of the values. */
function matchesAny(globs: string[], ...values: string[]): boolean {
  return globs.length === 0 || globs.some((glob) => values.some((value) => globToRegExp(glob).test(value)));
}

const compiled = new Map<string, RegExp>();

/** `*` matches any run of characters (slashes too), `?` one; everything else is itself. */
export function globToRegExp(glob: string): RegExp {
  let re = compiled.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    compiled.set(glob, re);
  }
  return re;
}
