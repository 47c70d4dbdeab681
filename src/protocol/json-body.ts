// Reads an AWS request body as strict JSON: a JSON content type (or none), valid UTF-8, valid JSON,
// nesting no deeper than any AWS input shape could need, no duplicate keys (JSON.parse would silently
// keep the last one, so two readers of the same request could disagree about it). Returns why it
// cannot, as data.
import { visit } from 'jsonc-parser';
import { decodeUtf8 } from '../domain/utf8.ts';

export type JsonBody = { ok: true; value: unknown } | { ok: false; reason: string };

/** The served input shapes nest 3 levels; anything far deeper is an attack, not a request. */
export const maxNesting = 32;

export function readJsonBody(body: Buffer, contentType: string | undefined): JsonBody {
  if (contentType !== undefined && contentType !== '' && !/json/i.test(contentType)) {
    return { ok: false, reason: `Content-Type '${contentType.slice(0, 100)}' is not supported: send application/json.` };
  }
  const text = decodeUtf8(body)?.trim();
  if (text === undefined) return { ok: false, reason: 'The request body is not valid UTF-8.' };
  if (!text) return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `Unable to parse the request body as JSON: ${(error as Error).message.slice(0, 200)}` };
  }
  if (depthOf(value) > maxNesting) return { ok: false, reason: `The request body nests JSON deeper than ${maxNesting} levels.` };
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) return { ok: false, reason: `The request body has the key '${duplicate.slice(0, 100)}' twice in one object.` };
  return { ok: true, value };
}

/** Nesting depth of a parsed value, walked with an explicit stack (no recursion to overflow). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > maxNesting) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
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
