// What an answer means for a message: delivered on 2xx; tried again on a network error, a timeout,
// 408, 429 and 5xx other than 501, after a jittered exponential backoff from 5 s to 30 min (or the
// receiver's Retry-After, in seconds or as an HTTP date, when it asks for longer), for 24 hours from
// the message's first event; dead on any other answer, or when those 24 hours are over.
import type { AttemptOutcome } from '../store/alert-store.ts';
import type { DeliveryAnswer } from './deliver.ts';

const longestStepMs = 30 * 60 * 1000;

export interface RetryPolicy {
  /** The first wait (5 s); each failure doubles it, up to 30 minutes. */
  firstBackoffMs: number;
  /** How long a message is retried from its first event (24 h). */
  retryPeriodMs: number;
}

export function outcomeOf(answer: DeliveryAnswer, attemptsBefore: number, createdAt: number, now: number, { firstBackoffMs, retryPeriodMs }: RetryPolicy): AttemptOutcome {
  const status = answer.status ?? null;
  const said = status === null ? answer.body : `HTTP ${status}${answer.body ? `: ${answer.body}` : ''}`;
  if (status !== null && status >= 200 && status < 300) return { state: 'delivered', status, answer: said };
  const retryable = status === null || status === 408 || status === 429 || (status >= 500 && status !== 501);
  if (!retryable) return { state: 'dead', status, answer: said };
  const step = Math.min(longestStepMs, firstBackoffMs * 2 ** attemptsBefore);
  const wait = Math.round(Math.max(step / 2 + Math.random() * (step / 2), retryAfterMs(answer.retryAfter, now) ?? 0));
  if (now + wait > createdAt + retryPeriodMs) return { state: 'dead', status, answer: `${said} (retried for ${Math.round(retryPeriodMs / 3_600_000)} h)` };
  return { state: 'pending', status, answer: said, nextAttemptAt: now + wait };
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now. */
function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
