// Turns an input file into JSON documents: one JSON value, or one value per line (JSON Lines, as
// EventBridge archives and `kubectl get -w -o json` produce). Every document carries its location so
// that a rejection can name the file, the line and the JSON path.
import { IngestRejection } from './ingest-rejection.ts';

export interface JsonDocument {
  value: unknown;
  /** JSON path prefix of this document: `$`, or `line 7: $` for JSON Lines input. */
  path: string;
}

export function readJsonDocuments(text: string): JsonDocument[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed) throw new IngestRejection('$', 'the file is empty');
  try {
    return [{ value: JSON.parse(trimmed), path: '$' }];
  } catch (wholeError) {
    const lines = trimmed.split('\n');
    if (lines.length === 1) throw new IngestRejection('$', `not valid JSON: ${describe(wholeError)}`);
    const documents: JsonDocument[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line) continue;
      try {
        documents.push({ value: JSON.parse(line), path: `line ${i + 1}: $` });
      } catch (lineError) {
        // A pretty-printed document with one error inside reads better as one error than as line noise.
        if (!line.startsWith('{') && !line.startsWith('[')) throw new IngestRejection('$', `not valid JSON: ${describe(wholeError)}`);
        throw new IngestRejection(`line ${i + 1}`, `not valid JSON: ${describe(lineError)}`);
      }
    }
    return documents;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
