// What a console page or API answer is before the HTTP adapter sends it, and the headers every one
// carries: a strict Content-Security-Policy (no script, no inline style, no framing), nosniff, no
// referrer, and no-store (answers show one account's data and may sit behind a login).
import { csvFilename } from './csv.ts';
import type { Html } from './html.ts';

export interface ConsoleResponse {
  statusCode: number;
  /** `set-cookie` may repeat. */
  headers: Record<string, string | string[]>;
  body: string;
}

export const securityHeaders: Record<string, string> = {
  'content-security-policy': "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function htmlResponse(page: Html, statusCode = 200): ConsoleResponse {
  return { statusCode, headers: { ...securityHeaders, 'content-type': 'text/html; charset=utf-8' }, body: page.text };
}

export function jsonResponse(value: unknown, statusCode = 200): ConsoleResponse {
  return { statusCode, headers: { ...securityHeaders, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(value) };
}

/** A CSV download; `name` (without `.csv`) may carry outside text, such as a vulnerability id. */
export function csvResponse(text: string, name: string): ConsoleResponse {
  return { statusCode: 200, headers: { ...securityHeaders, 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${csvFilename(name)}"` }, body: text };
}

export function redirect(location: string): ConsoleResponse {
  return { statusCode: 303, headers: { ...securityHeaders, location }, body: '' };
}
