// How the pages write numbers, times and names, in one place.
import { html, type Html } from '../html.ts';
import { consoleUrl, type PageContext } from './layout.ts';
import { clusterName, imageBuilderName, imageName, imageNameOf } from '../names.ts';

export const number = (n: number) => n.toLocaleString('en-US');

/** An epoch-seconds time as `YYYY-MM-DD hh:mm:ss UTC`; `never` when absent or 0. */
export const time = (epochSeconds: number | undefined) => (epochSeconds ? new Date(epochSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'never');


export { clusterName, imageName };

export function imageLink(context: PageContext, resourceId: string, repository: string, digest: string, tags: readonly string[] = []): Html {
  return html`<a href="${consoleUrl(context, `/images/${encodeURIComponent(resourceId)}`)}" title="${resourceId}">${imageName(repository, digest, tags)}</a>`;
}

/** A link to the image's page named as people name it, from its resource id. */
export function imageIdLink(context: PageContext, resourceId: string, tags: readonly string[] = []): Html {
  return html`<a href="${consoleUrl(context, `/images/${encodeURIComponent(resourceId)}`)}" title="${resourceId}">${imageNameOf(resourceId, tags)}</a>`;
}

/** A pipeline or build version by its name, the full ARN in the title. */
export function imageBuilderCell(arn: string): Html {
  return html`<span title="${arn}">${imageBuilderName(arn)}</span>`;
}

export function vulnerabilityLink(context: PageContext, id: string): Html {
  return html`<a href="${consoleUrl(context, `/vulnerabilities/${encodeURIComponent(id)}`)}">${id}</a>`;
}

export function severityCell(severity: string | undefined): Html {
  return html`<td class="severity-${severity ?? 'none'}">${severity ?? 'not scanned'}</td>`;
}

/** The pager under a list: a link to the next page, keeping the list's parameters. */
export function pager(context: PageContext, path: string, query: Record<string, string | undefined>, nextCursor: string | undefined, label: string): Html {
  return html`<nav class="pager" aria-label="Pages">
${nextCursor ? html`<a rel="next" href="${consoleUrl(context, path, { ...query, cursor: nextCursor })}">${label}</a>` : ''}
</nav>`;
}
