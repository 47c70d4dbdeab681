// Console sign-in with an access key (role read or admin): a server-side session in the database, so
// every replica shares it, held by the browser as an opaque token in an HttpOnly, SameSite=Strict
// cookie. A session ends when idle longer than `idleMs`, older than `lifetimeMs`, signed out, or when
// its key is revoked. Sign-in attempts are throttled per client address.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { roleAllows } from '../protocol/access-keys.ts';
import type { Throttle } from '../protocol/throttle.ts';
import type { AccessKeyRow, AccessRole, Store } from '../store/store.ts';

export interface SessionSettings {
  idleMs: number;
  lifetimeMs: number;
}

export class SignInRefused extends Error {
  constructor(
    message: string,
    /** Seconds to wait, when refused for trying too often. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface ConsoleSession {
  accountId: string;
  accessKeyId: string;
  role: AccessRole;
}

/** Touching a session on every page would write on every page: once a minute is enough for idleness. */
const touchEveryMs = 60_000;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export class ConsoleSessions {
  constructor(
    private readonly store: Store,
    private readonly findKey: (accessKeyId: string) => Promise<AccessKeyRow | undefined>,
    private readonly throttle: Throttle,
    readonly settings: SessionSettings,
  ) {}

  /** Checks the key and secret and opens a session; returns its token. */
  async signIn(accessKeyId: string, secret: string, clientAddress: string, now: number): Promise<{ token: string; session: ConsoleSession }> {
    const wait = this.throttle.take(`sign-in\u0000${clientAddress}`, performance.now());
    if (wait > 0) throw new SignInRefused(`Too many sign-in attempts from this address; try again in ${wait} s.`, wait);
    const key = accessKeyId ? await this.findKey(accessKeyId) : undefined;
    const matches = key !== undefined && secret.length === key.secret_access_key.length && timingSafeEqual(Buffer.from(secret), Buffer.from(key.secret_access_key));
    // One message for every wrong key, secret or revoked key: a guess learns nothing about which.
    if (!key || !matches || key.revoked_at !== null) throw new SignInRefused('The access key id or secret access key is not valid.');
    if (!roleAllows(key.role, 'query')) throw new SignInRefused(`An access key with role '${key.role}' cannot read the console; use a read or admin key.`);
    const token = randomBytes(32).toString('base64url');
    await this.store.createConsoleSession(
      { token_hash: hashOf(token), access_key_id: key.access_key_id, account_id: key.account_id, created_at: now, last_seen_at: now },
      { idleBefore: now - this.settings.idleMs, begunBefore: now - this.settings.lifetimeMs },
    );
    return { token, session: { accountId: key.account_id, accessKeyId: key.access_key_id, role: key.role } };
  }

  /** The live session this token opens, or undefined (unknown, expired, signed out, key revoked). */
  async resolve(token: string | undefined, now: number): Promise<ConsoleSession | undefined> {
    if (!token) return undefined;
    const hash = hashOf(token);
    const row = await this.store.findConsoleSession(hash);
    if (!row) return undefined;
    const expired = now - Number(row.last_seen_at) > this.settings.idleMs || now - Number(row.created_at) > this.settings.lifetimeMs;
    if (expired || row.revoked_at !== null || !roleAllows(row.role, 'query')) {
      await this.store.deleteConsoleSession(hash);
      return undefined;
    }
    if (now - Number(row.last_seen_at) > touchEveryMs) await this.store.touchConsoleSession(hash, now);
    return { accountId: row.account_id, accessKeyId: row.access_key_id, role: row.role };
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token) await this.store.deleteConsoleSession(hashOf(token));
  }
}
