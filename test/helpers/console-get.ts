// A GET of a console page or API answer, as a browser without JavaScript or curl sends it: redirects
// not followed, the body read as text and as JSON when it is JSON.
import type { TestServer } from './server.ts';

export async function consoleGet(server: TestServer, path: string, query: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}?${new URLSearchParams(query)}`, { redirect: 'manual' });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined };
}
