// The frame of every console page: landmarks (banner, navigation, main), a skip link, the account
// shown, and the one stylesheet (the Content-Security-Policy allows no inline style or script).
import { html, type Html } from '../html.ts';

export interface PageContext {
  accountId: string;
  /** With --auth none the account is chosen in the URL; links keep it. */
  accountInUrl: boolean;
  /** Signed in (--auth sigv4): the CSRF token the sign-out form carries. */
  signedIn?: { csrf: string };
  /** The CSRF token a page's forms carry (pages that post). */
  csrf?: string;
}

/** A console URL, keeping the account parameter where the account came from the URL. */
export function consoleUrl(context: PageContext, path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, value);
  if (context.accountInUrl) params.set('accountId', context.accountId);
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export function layout(context: PageContext, title: string, main: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · imagescope</title>
<link rel="stylesheet" href="/console.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p class="brand"><a href="${consoleUrl(context, '/')}">imagescope</a></p>
<nav aria-label="Console">
<ul>
<li><a href="${consoleUrl(context, '/')}">Overview</a></li>
<li><a href="${consoleUrl(context, '/vulnerabilities')}">Vulnerabilities</a></li>
<li><a href="${consoleUrl(context, '/images')}">Images</a></li>
<li><a href="${consoleUrl(context, '/clusters')}">Clusters</a></li>
<li><a href="${consoleUrl(context, '/coverage')}">Coverage</a></li>
<li><a href="${consoleUrl(context, '/pipelines')}">Pipelines</a></li>
<li><a href="${consoleUrl(context, '/alerts')}">Alerts</a></li>
</ul>
</nav>
${context.accountId ? html`<p class="account">Account <span>${context.accountId}</span></p>` : ''}
${context.signedIn ? html`<form method="post" action="/logout" class="sign-out"><input type="hidden" name="csrf" value="${context.signedIn.csrf}"><button type="submit">Sign out</button></form>` : ''}
</header>
<main id="main" tabindex="-1">
${main}
</main>
</body>
</html>
`;
}

/** The search every page offers: a vulnerability id leads to its exposure. */
export function vulnerabilitySearch(context: PageContext, value = ''): Html {
  return html`<form class="search" role="search" method="get" action="/search">
<label for="q">Vulnerability id</label>
<input id="q" name="q" type="search" required maxlength="128" placeholder="CVE-2024-3094" value="${value}">
${context.accountInUrl ? html`<input type="hidden" name="accountId" value="${context.accountId}">` : ''}
<button type="submit">Find where it runs</button>
</form>`;
}
