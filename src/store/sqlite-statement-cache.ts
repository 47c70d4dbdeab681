import type SqliteDatabase from 'better-sqlite3';

/**
 * Preparing a statement costs more than running the small reads the AWS operations make, so prepared
 * statements are kept by their SQL text (a bounded, least recently used set). better-sqlite3
 * statements are reusable as long as they are not iterated concurrently, and every user here runs
 * each one to completion.
 */
export function withStatementCache(database: SqliteDatabase.Database, size = 500) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteDatabase.Statement {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

export type CachedSqliteDatabase = ReturnType<typeof withStatementCache>;
