// Reads an AWS request body as strict JSON: a JSON content type (or none), valid UTF-8, valid JSON,
// no duplicate keys (JSON.parse would silently keep the last one, so two readers of the same request
// could disagree about it). Returns why it cannot, as data.
import { visit } from 'jsonc-parser';

export type JsonBody = { ok: true; value: unknown } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readJsonBody(body: Buffer, contentType: string | undefined): JsonBody {
  if (contentType !== undefined && contentType !== '' && !/json/i.test(contentType)) {
    return { ok: false, reason: `Content-Type '${contentType.slice(0, 100)}' is not supported: send application/json.` };
  }
  let text: string;
  try {
    text = utf8.decode(body).trim();
  } catch {
    return { ok: false, reason: 'The request body is not valid UTF-8.' };
  }
  if (!text) return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `Unable to parse the request body as JSON: ${(error as Error).message.slice(0, 200)}` };
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) return { ok: false, reason: `The request body has the key '${duplicate.slice(0, 100)}' twice in one object.` };
  return { ok: true, value };
}

function firstDuplicateKey(text: string): string | undefined {
  const open: Set<string>[] = [];
  let duplicate: string | undefined;
  visit(text, {
    onObjectBegin: () => {
      open.push(new Set());
    },
    onObjectEnd: () => {
      open.pop();
    },
    onObjectProperty: (property) => {
      const keys = open.at(-1)!;
      if (keys.has(property) && duplicate === undefined) duplicate = property;
      keys.add(property);
    },
  });
  return duplicate;
}
