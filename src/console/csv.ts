// Every CSV the console writes goes through here. Its values come from scanner reports and cluster
// objects that anyone who publishes an image or creates a pod can shape, and a spreadsheet reads a
// cell that begins with =, +, -, @, a tab or a carriage return as a formula (OWASP "CSV Injection").
// csv-stringify's escape_formulas writes such a cell with a leading ' and leaves the numbers we write
// alone (a typed number's minus sign is not a formula), so only text from outside is changed.
import { stringify } from 'csv-stringify/sync';

/** A CSV file with a header row; booleans as `true`/`false`. */
export function csvOf(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return stringify(rows as unknown[][], { header: true, columns: [...columns], escape_formulas: true, cast: { boolean: String } });
}

/** A download name made of the characters every browser and file system keep as they are. */
export function csvFilename(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.csv`;
}
