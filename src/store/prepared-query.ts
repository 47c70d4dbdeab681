// Kysely builds, freezes and compiles a query tree on every call; for the small indexed reads the AWS
// operations make on every request that costs more than running them. A prepared query is built once
// per shape with named placeholders and compiled to the dialect's SQL; a request only fills in its
// parameters. The SQL text is stable, so the driver's own prepared statement is reused as well.
import type { Compilable, Kysely } from 'kysely';
import type { Database } from './schema.ts';

const placeholderPrefix = '\u0000imagescope-parameter:';

/** Stands for the parameter `name` while the query is built; replaced by its value on every run. */
export function placeholder<T>(name: string): T {
  return `${placeholderPrefix}${name}` as T;
}

export interface CompiledRead {
  sql: string;
  parameters: readonly unknown[];
}

export class PreparedQuery<P extends Record<string, unknown>> {
  readonly sql: string;
  /** Per SQL parameter: the name of the value that fills it, or a constant the builder inlined as one. */
  private readonly slots: ({ name: string } | { constant: unknown })[];

  constructor(db: Kysely<Database>, build: (db: Kysely<Database>) => Compilable) {
    const compiled = build(db).compile();
    this.sql = compiled.sql;
    this.slots = compiled.parameters.map((value) =>
      typeof value === 'string' && value.startsWith(placeholderPrefix) ? { name: value.slice(placeholderPrefix.length) } : { constant: value },
    );
  }

  with(values: P): CompiledRead {
    return { sql: this.sql, parameters: this.slots.map((slot) => ('name' in slot ? values[slot.name] : slot.constant)) };
  }
}

/** Prepared queries of one family, built on first use for each shape (e.g. how many keys a filter has). */
export class PreparedQueries<S, P extends Record<string, unknown>> {
  private readonly byShape = new Map<string, PreparedQuery<P>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly build: (db: Kysely<Database>, shape: S) => Compilable,
  ) {}

  with(shape: S, values: P): CompiledRead {
    const id = JSON.stringify(shape);
    let query = this.byShape.get(id);
    if (!query) {
      query = new PreparedQuery<P>(this.db, (db) => this.build(db, shape));
      this.byShape.set(id, query);
    }
    return query.with(values);
  }
}
