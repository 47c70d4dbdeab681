// The files `imagescope ingest` is given, read as text: the bytes must be UTF-8 (never silently
// replaced), and a file that cannot be read is rejected by name while the others go on.
import { readFile } from 'node:fs/promises';
import { IngestRejection } from '../ingest/ingest-rejection.ts';
import { decodeUtf8 } from '../domain/utf8.ts';

/** `-` names stdin. */
export const stdinName = '-';

export async function readInput(file: string): Promise<string> {
  const bytes = file === stdinName ? await readStdin() : await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new IngestRejection('$', `cannot read the file (${error.code ?? error.message})`, file);
  });
  return textOf(file, bytes);
}

export function textOf(file: string, bytes: Uint8Array): string {
  const text = decodeUtf8(bytes);
  if (text === undefined) throw new IngestRejection('$', 'not valid UTF-8', file);
  return text;
}

export async function readStdin(): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** A failed read's rejection; anything else is a fault and goes on up. */
export function rejection(error: unknown): IngestRejection {
  if (error instanceof IngestRejection) return error;
  throw error;
}
