// Times in reports, as epoch ms. A time that names no zone is UTC: JavaScript would read it in the
// machine's own zone, so the same report would mean another instant on another machine (AWS's
// EventBridge samples write "Dec 3, 2021, 6:02:30 PM" for a UTC time).
const namesZone = /(?:Z|[+-]\d\d:?\d\d|\b(?:UTC|GMT))$/i;
const dateOnly = /^\d{4}-\d\d-\d\d$/;

/** Epoch ms, or NaN when the text is not a time. */
export function parseTimestamp(text: string): number {
  const trimmed = text.trim();
  if (namesZone.test(trimmed) || dateOnly.test(trimmed)) return Date.parse(trimmed);
  // ISO 8601 takes `Z`; the other forms Date.parse reads take ` UTC`.
  return Date.parse(/^\d{4}-\d\d-\d\dT/.test(trimmed) ? `${trimmed}Z` : `${trimmed} UTC`);
}
