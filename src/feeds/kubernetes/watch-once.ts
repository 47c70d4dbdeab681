// One watch request through @kubernetes/client-node's Watch, as a promise of how it ended. Watch
// (1.4.0) has no timeout of its own, so a stream that goes silent past the server-side timeout (plus
// a margin) is cut here; so is one that outlives a resync deadline or the watcher itself.
import type { Watch } from '@kubernetes/client-node';

export interface WatchEnd {
  reason: 'closed' | 'expired' | 'resync' | 'stopped';
  /** The newest resourceVersion seen (events and bookmarks): where the next watch starts. */
  resourceVersion: string;
  events: number;
}

export interface WatchOptions {
  timeoutSeconds: number;
  /** Epoch ms at which to end the watch for a resync (Infinity: never). */
  until: number;
  signal: AbortSignal;
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: object): void;
}

/** Resolves with how the stream ended; rejects when it failed (HTTP status, connection, silence, ERROR event). */
export function watchOnce(watch: Watch, path: string, resourceVersion: string, options: WatchOptions): Promise<WatchEnd> {
  // An abort listener added to a signal that has already aborted is never called: a watcher stopped
  // between two watches must not start another.
  if (options.signal.aborted) return Promise.resolve({ reason: 'stopped', resourceVersion, events: 0 });
  return new Promise((resolve, reject) => {
    let version = resourceVersion;
    let events = 0;
    let ending: WatchEnd['reason'] | Error | undefined;
    let controller: AbortController | undefined;
    const silenceMs = (options.timeoutSeconds + Math.max(2, options.timeoutSeconds / 10)) * 1000;
    let silence = setTimeout(() => end(new Error(`the watch stream was silent for ${silenceMs / 1000} s`)), silenceMs);
    const resync = Number.isFinite(options.until) ? setTimeout(() => end('resync'), Math.max(0, options.until - Date.now())) : undefined;
    const stop = () => end('stopped');
    options.signal.addEventListener('abort', stop, { once: true });

    function end(reason: WatchEnd['reason'] | Error) {
      ending ??= reason;
      controller?.abort();
      finish(null);
    }
    function finish(error: unknown) {
      clearTimeout(silence);
      clearTimeout(resync);
      options.signal.removeEventListener('abort', stop);
      const outcome = ending ?? (error ? (error as Error) : 'closed');
      if (outcome instanceof Error) reject(outcome);
      else resolve({ reason: outcome, resourceVersion: version, events });
    }
    const onEvent = (type: string, object: any) => {
      clearTimeout(silence);
      silence = setTimeout(() => end(new Error(`the watch stream was silent for ${silenceMs / 1000} s`)), silenceMs);
      if (type === 'ERROR') {
        const status = object as { code?: number; message?: string };
        return end(status.code === 410 ? 'expired' : Object.assign(new Error(status.message ?? 'watch ERROR event'), { statusCode: status.code }));
      }
      version = object?.metadata?.resourceVersion ?? version;
      if (type === 'BOOKMARK') return;
      events++;
      options.onEvent(type as 'ADDED' | 'MODIFIED' | 'DELETED', object);
    };
    const query = { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: options.timeoutSeconds };
    watch.watch(path, query, onEvent, (error) => finish(error)).then(
      (started) => {
        controller = started;
        if (ending) started.abort();
      },
      (error) => finish(error),
    );
  });
}
