// The sign-in form (--auth sigv4): an access key id and its secret, as `imagescope keys create`
// printed them. The form carries the CSRF token of the cookie it was served with.
import { html, type Html } from '../html.ts';
import { layout } from './layout.ts';

export function signInPage(csrf: string, next: string, error?: string): Html {
  return layout({ accountId: '', accountInUrl: false }, 'Sign in', html`
<h1>Sign in</h1>
${error ? html`<p role="alert">${error}</p>` : ''}
<form method="post" action="/login" class="sign-in">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="next" value="${next}">
<p><label for="accessKeyId">Access key id</label><br><input id="accessKeyId" name="accessKeyId" autocomplete="username" required maxlength="64"></p>
<p><label for="secretAccessKey">Secret access key</label><br><input id="secretAccessKey" name="secretAccessKey" type="password" autocomplete="current-password" required maxlength="128"></p>
<p><button type="submit">Sign in</button></p>
</form>
<p class="muted">A key with role read or admin signs in to its own account. Create one with <code>imagescope keys create --role read --account-id ...</code>.</p>
`);
}
