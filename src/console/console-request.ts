// A console request as the console sees it (no framework), and the reading of its parameters. A bad
// parameter is a ConsoleInputError naming the parameter: 400 with the reason, never a guess.
import type { AccessRole } from '../store/store.ts';

export interface ConsoleRequest {
  /** Path parameters, decoded. */
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  accountId: string;
  now: number;
  /** The caller's role (admin with authentication off). */
  role: AccessRole;
}

export class ConsoleInputError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/** A resource the account does not hold: 404 with the reason. */
export class ConsoleNotFound extends Error {}

export const maxPageSize = 100;

/** A page size from `limit` (or another parameter of the same kind), 1 to maxPageSize. */
export function pageSizeOf(query: ConsoleRequest['query'], defaultSize: number, name = 'limit'): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return defaultSize;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) throw new ConsoleInputError(name, `${name} must be a whole number from 1 to ${maxPageSize}, not '${raw}'`);
  return limit;
}

export function flagOf(query: ConsoleRequest['query'], name: string, defaultValue: boolean): boolean {
  const raw = query[name];
  if (raw === undefined || raw === '') return defaultValue;
  if (raw === 'true' || raw === '1' || raw === 'on') return true;
  if (raw === 'false' || raw === '0' || raw === 'off') return false;
  throw new ConsoleInputError(name, `${name} must be true or false, not '${raw}'`);
}

export type AnswerFormat = 'json' | 'csv';

export function formatOf(query: ConsoleRequest['query']): AnswerFormat {
  const raw = query.format ?? 'json';
  if (raw !== 'json' && raw !== 'csv') throw new ConsoleInputError('format', `format must be json or csv, not '${raw}'`);
  return raw;
}

/** Vulnerability ids as scanners write them (CVE-, GHSA-, ALAS-, ...): printable, no spaces. */
const vulnerabilityIdPattern = /^[\x21-\x7e]{1,128}$/;

export function vulnerabilityIdOf(raw: string | undefined): string {
  const id = (raw ?? '').trim();
  if (!vulnerabilityIdPattern.test(id)) throw new ConsoleInputError('vulnerabilityId', `'${id.slice(0, 140)}' is not a vulnerability id (1 to 128 printable characters without spaces, such as CVE-2024-3094)`);
  return id;
}

/** The `clusterArn` parameter: an ECS or EKS cluster ARN, or absent. */
export function clusterArnOf(query: ConsoleRequest['query']): string | undefined {
  const clusterArn = query.clusterArn?.trim() || undefined;
  if (clusterArn !== undefined && !/^arn:aws[a-z-]*:(ecs|eks):[a-z0-9-]+:\d{12}:cluster\/[\x21-\x7e]{1,255}$/.test(clusterArn)) throw new ConsoleInputError('clusterArn', `'${clusterArn.slice(0, 300)}' is not an ECS or EKS cluster ARN`);
  return clusterArn;
}
