// Which exposures a destination hears about, and what it is told next: the filters (severity,
// account and cluster globs, namespaces, repositories, fix available) and the notice's steps
// (opened, escalated, updated within the cooldown, resolved after resolveAfter or at once when the
// findings closed). Pure functions, checked on their own; the end-to-end tests drive them through a server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchExposure, type AlertRouting, type ExposureCarrier } from '../src/alerts/alert-routing.ts';
import { nextNotice, resolvesNow, type ExposureNotice } from '../src/alerts/exposure-notices.ts';

const routing = (overrides: Partial<AlertRouting> = {}): AlertRouting => ({
  name: 'd', type: 'webhook', events: [], minRank: 5, accounts: [], clusters: [], namespaces: [], repositories: [], fixAvailableOnly: false,
  resolveAfterMs: 15 * 60_000, cooldownMs: 24 * 3_600_000, batchWindowMs: 60_000, ...overrides,
});
const key = { accountId: '111122223333', clusterArn: 'arn:aws:eks:us-west-2:111122223333:cluster/prod-eu', vulnerabilityId: 'CVE-2024-0001' };
const carrier = (overrides: Partial<ExposureCarrier> = {}): ExposureCarrier => ({
  repository: 'arn:aws:ecr:us-west-2:111122223333:repository/team/api', digest: `sha256:${'a'.repeat(64)}`, platform: 'EKS', detailsGroup: 'shop', rank: 1, fixable: false, ...overrides,
});

describe('a destination\'s filters', () => {
  it('passes what matches every filter, and takes the worst severity of what passes', () => {
    const carriers = [carrier({ rank: 0, detailsGroup: 'kube-system' }), carrier({ rank: 2, fixable: true })];
    assert.deepEqual(matchExposure(routing(), key, carriers, false)?.rank, 0);
    const shopOnly = matchExposure(routing({ namespaces: ['sh*'] }), key, carriers, false);
    assert.deepEqual([shopOnly?.rank, shopOnly?.carriers.length], [2, 1], 'only the shop namespace\'s carrier counts');
    assert.equal(matchExposure(routing({ namespaces: ['sh*'], minRank: 1 }), key, carriers, false), undefined, 'what passes is MEDIUM: below HIGH');
    assert.equal(matchExposure(routing({ fixAvailableOnly: true }), key, carriers, false)?.rank, 2, 'only the fixable one');
    assert.equal(matchExposure(routing({ fixAvailableOnly: true }), key, [carrier()], false), undefined);
  });

  it('matches clusters by ARN or name, repositories by name or ARN, accounts by id, with * and ?', () => {
    assert.ok(matchExposure(routing({ clusters: ['prod-*'] }), key, [carrier()], false), 'a cluster by its name');
    assert.ok(matchExposure(routing({ clusters: ['arn:aws:eks:*:cluster/prod-??'] }), key, [carrier()], false), 'by its ARN');
    assert.equal(matchExposure(routing({ clusters: ['staging-*'] }), key, [carrier()], false), undefined);
    assert.ok(matchExposure(routing({ repositories: ['team/*'] }), key, [carrier()], false));
    assert.equal(matchExposure(routing({ repositories: ['other/*'] }), key, [carrier()], false), undefined);
    assert.equal(matchExposure(routing({ accounts: ['4444*'] }), key, [carrier()], false), undefined);
    assert.equal(matchExposure(routing({ namespaces: ['*'] }), key, [carrier({ platform: 'ECS', detailsGroup: 'service:web' })], false), undefined, 'an ECS task group is no namespace');
    assert.equal(matchExposure(routing({ clusters: ['prod.eu'] }), key, [carrier()], false), undefined, 'a dot is a dot, not any character');
  });
});

describe('what a destination is told', () => {
  const now = Date.parse('2026-12-07T10:00:00Z');
  const matched = (rank: number, exploited = false) => ({ rank, exploited, carriers: [carrier({ rank })] });
  const open = (over: Partial<ExposureNotice> = {}): ExposureNotice => ({ exposureId: 'x', state: 'open', rank: 1, exploited: false, openedAt: now - 3_600_000, unmatchedSince: null, resolvedAt: null, ...over });

  it('opens once, escalates only on worse, and says nothing for the same or better', () => {
    const opened = nextNotice(routing(), key, undefined, matched(1), 'runtime', now)!;
    assert.equal(opened.event?.type, 'io.imagescope.exposure.opened');
    assert.equal(nextNotice(routing(), key, opened.notice, matched(1), 'runtime', now), undefined, 'the same again: nothing');
    assert.deepEqual(nextNotice(routing(), key, open(), matched(0), 'findings', now)?.event, { type: 'io.imagescope.exposure.escalated', previousRank: 1 });
    assert.equal(nextNotice(routing(), key, open(), matched(1, true), 'findings', now)?.event?.type, 'io.imagescope.exposure.escalated', 'known exploited');
    const better = nextNotice(routing(), key, open(), matched(3), 'findings', now)!;
    assert.deepEqual([better.event, better.notice.rank], [undefined, 3], 'better is remembered, not told');
  });

  it('resolves after resolveAfter when nothing runs it, at once when its findings closed, and updates a reopen within the cooldown', () => {
    const gone = nextNotice(routing(), key, open(), undefined, 'runtime', now)!;
    assert.deepEqual([gone.event, gone.notice.unmatchedSince], [undefined, now], 'waits');
    assert.equal(resolvesNow(routing(), gone.notice, now + 14 * 60_000), undefined);
    const resolved = resolvesNow(routing(), gone.notice, now + 15 * 60_000)!;
    assert.equal(resolved.event?.type, 'io.imagescope.exposure.resolved');
    assert.equal(nextNotice(routing(), key, open(), undefined, 'findings', now)?.event?.type, 'io.imagescope.exposure.resolved', 'closed findings resolve at once');
    const back = nextNotice(routing(), key, resolved.notice, matched(1), 'runtime', now + 3_600_000)!;
    assert.deepEqual([back.event, back.notice.exposureId], [{ type: 'io.imagescope.exposure.updated', change: 'reopened' }, 'x']);
    const later = nextNotice(routing(), key, resolved.notice, matched(1), 'runtime', now + 2 * 24 * 3_600_000)!;
    assert.equal(later.event?.type, 'io.imagescope.exposure.opened', 'after the cooldown: a new exposure');
    assert.notEqual(later.notice.exposureId, 'x');
  });
});
