// What one destination has been told about one exposure, and what it is told next. Edge-triggered:
// only a change of what it hears about makes an event, so a resent report, a relist or a restart that
// leaves an exposure as it was says nothing.
//   - Nothing of it passed the destination's filters, and now something does: opened; or, within
//     `cooldown` of the destination's last `resolved`, updated (the same exposure, back again).
//   - It is open and gets worse (a worse severity, or known exploited): escalated. Better says nothing,
//     but is remembered, so that worse again escalates again.
//   - Nothing of it passes any more: resolved once that has lasted `resolveAfter` (the relay's sweep),
//     so that a rolling deploy that stops the old pods before the new ones run does not flap; at once
//     when its findings closed (nothing will bring it back but a new scan).
import { createHash } from 'node:crypto';
import type { AlertEventType } from './alerts-file.ts';
import type { AlertRouting, ExposureKey, MatchedExposure } from './alert-routing.ts';

export interface ExposureNotice {
  /** One id per episode (from its opening to its resolve), shared by its events. */
  exposureId: string;
  state: 'open' | 'resolved';
  /** The severity rank last told. */
  rank: number;
  exploited: boolean;
  openedAt: number;
  /** While open: when nothing of it passed the filters any more (null while something does). */
  unmatchedSince: number | null;
  resolvedAt: number | null;
}

export type ExposureEventType = Extract<AlertEventType, `io.imagescope.exposure.${string}`>;

export interface NoticeEvent {
  type: ExposureEventType;
  /** Escalated: the rank told before. */
  previousRank?: number;
  /** Updated: why. */
  change?: 'reopened';
}

export interface NoticeStep {
  notice: ExposureNotice;
  event?: NoticeEvent;
}

/** Why the exposure was evaluated: a change of findings closes at once, a change of what runs waits. */
export type ExposureCause = 'runtime' | 'findings';

/** The destination's notice after the exposure changed, or undefined when nothing changes for it. */
export function nextNotice(routing: AlertRouting, key: ExposureKey, before: ExposureNotice | undefined, matched: MatchedExposure | undefined, cause: ExposureCause, now: number): NoticeStep | undefined {
  const open = before?.state === 'open' ? before : undefined;
  if (!matched) {
    if (!open) return undefined;
    if (cause === 'findings') return resolved(open, now);
    return open.unmatchedSince === null ? { notice: { ...open, unmatchedSince: now } } : undefined;
  }
  if (!open) {
    const reopens = before?.state === 'resolved' && before.resolvedAt !== null && now - before.resolvedAt < routing.cooldownMs;
    if (reopens) return { notice: { ...before!, state: 'open', rank: matched.rank, exploited: matched.exploited, unmatchedSince: null, resolvedAt: null }, event: { type: 'io.imagescope.exposure.updated', change: 'reopened' } };
    return { notice: { exposureId: exposureIdOf(key, now), state: 'open', rank: matched.rank, exploited: matched.exploited, openedAt: now, unmatchedSince: null, resolvedAt: null }, event: { type: 'io.imagescope.exposure.opened' } };
  }
  const worse = matched.rank < open.rank || (matched.exploited && !open.exploited);
  const changed = worse || matched.rank !== open.rank || matched.exploited !== open.exploited || open.unmatchedSince !== null;
  if (!changed) return undefined;
  const notice = { ...open, rank: matched.rank, exploited: matched.exploited, unmatchedSince: null };
  return worse ? { notice, event: { type: 'io.imagescope.exposure.escalated', previousRank: open.rank } } : { notice };
}

/** The sweep's step: an open exposure unmatched for the destination's `resolveAfter` is resolved. */
export function resolvesNow(routing: AlertRouting, notice: ExposureNotice, now: number): NoticeStep | undefined {
  return notice.state === 'open' && notice.unmatchedSince !== null && now - notice.unmatchedSince >= routing.resolveAfterMs ? resolved(notice, now) : undefined;
}

function resolved(open: ExposureNotice, now: number): NoticeStep {
  return { notice: { ...open, state: 'resolved', unmatchedSince: null, resolvedAt: now }, event: { type: 'io.imagescope.exposure.resolved' } };
}

/** Stable for the episode: the same on every replica, and for every destination that saw it open at the same change. */
function exposureIdOf(key: ExposureKey, openedAt: number): string {
  return createHash('sha256').update(`${key.accountId}\n${key.clusterArn}\n${key.vulnerabilityId}\n${openedAt}`).digest('hex').slice(0, 32);
}

/** The event's id: the same for every destination told of the same change, and on every retry. */
export function eventIdOf(exposureId: string, type: string, at: number): string {
  return `evt_${createHash('sha256').update(`${exposureId}\n${type}\n${at}`).digest('hex').slice(0, 32)}`;
}
