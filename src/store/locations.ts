// Where a store lives: a SQLite file path, or a postgres:// URL. Kept apart from open-store.ts so that
// the CLI can name the default without loading the database drivers.
export const defaultDatabaseFile = 'imagescope.sqlite';

export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}
