// Keeps PostgreSQL's planner statistics current while ingestion grows the tables faster than
// autovacuum looks at them (it checks once a minute). A freshly loaded table that was never analysed
// looks empty to the planner, which then picks nested loops whose cost grows with the square of the
// rows. So after writes add a fifth or more to a table since its last ANALYZE here (and at least a
// thousand rows), the table is analysed again, in the background, one table at a time.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

const minimumGrowth = 1000;
const growthRatio = 0.2;

export class PlannerStatistics {
  private readonly grown = new Map<keyof Database, number>();
  private readonly analysedAt = new Map<keyof Database, number>();
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly db: Kysely<Database>) {}

  /** Notes rows written to tables; analyses those that grew enough. Never throws, never waits. */
  wrote(rows: Partial<Record<keyof Database, number>>): void {
    for (const [table, count] of Object.entries(rows) as [keyof Database, number][]) {
      const grown = (this.grown.get(table) ?? 0) + count;
      this.grown.set(table, grown);
      if (grown >= Math.max(minimumGrowth, growthRatio * (this.analysedAt.get(table) ?? 0))) {
        this.grown.set(table, 0);
        this.analysedAt.set(table, (this.analysedAt.get(table) ?? 0) + grown);
        this.running = this.running.then(() => sql`analyze ${sql.table(table)}`.execute(this.db).then(() => undefined, () => undefined));
      }
    }
  }

  /** Waits for pending ANALYZE runs (before closing the pool). */
  settled(): Promise<void> {
    return this.running;
  }
}
