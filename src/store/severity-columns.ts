// Findings keep their severity as its rank (0 CRITICAL ... 5 UNTRIAGED, severity.ts): one byte in the
// row and in every index that carries the key, where the name took up to nine, and an order that is
// the worst-first order itself. Queries hand the name back.
import { sql } from 'kysely';
import { severities } from '../domain/severity.ts';

/** The SQL that names a rank column's severity. */
export const severityNameSql = `case severity_rank ${severities.map((name, rank) => `when ${rank} then '${name}'`).join(' ')} end`;

/** The same as a Kysely expression, aliased `severity`. */
export const severityName = () => sql<string>`${sql.raw(severityNameSql)}`.as('severity');

/** Every rank: an image's findings are one id range under each. */
export const severityRanks = severities.map((_, rank) => rank);
