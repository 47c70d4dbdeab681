// Whose data a console request sees. With --auth none: the account named by ?accountId=, else the
// default account. With --auth sigv4: a signed-in session's account (console-sessions.ts), or for the
// API a SigV4 signature (service `imagescope`, a read or admin key); ?accountId= is then ignored. A
// page without a session leads to the sign-in form.
import type { AuthMode } from '../protocol/authenticate.ts';
import { authenticate } from '../protocol/authenticate.ts';
import { roleAllows } from '../protocol/access-keys.ts';
import { AwsError } from '../protocol/errors.ts';
import type { ServerSettings } from '../protocol/operation.ts';
import type { SignedRequest } from '../protocol/sigv4-verifier.ts';
import type { AccessKeyRow, AccessRole } from '../store/store.ts';
import { ConsoleInputError } from './console-request.ts';
import type { ConsoleSession } from './console-sessions.ts';

export const consoleSigningService = 'imagescope';

export interface ConsoleCaller {
  accountId: string;
  /** The account came from the URL (authentication off): links keep it. */
  accountInUrl: boolean;
  /** The key's role (authentication off: admin, as everything is open). */
  role: AccessRole;
}

/** A page asked for without a session: the caller sends the browser to sign in. */
export class SignInRequired extends Error {}

/** Refused: the status, the AWS error code, and why. */
export class ConsoleAccessDenied extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AccessDependencies {
  authMode: AuthMode;
  settings: ServerSettings;
  findKey: (accessKeyId: string) => Promise<AccessKeyRow | undefined>;
  /** The session the request's cookie opens, if any. */
  session?: ConsoleSession;
  now: number;
}

export async function consoleCaller(kind: 'page' | 'api', request: SignedRequest, accountParameter: string | undefined, deps: AccessDependencies): Promise<ConsoleCaller> {
  if (deps.authMode === 'none') {
    if (accountParameter === undefined || accountParameter === '') return { accountId: deps.settings.defaultAccountId, accountInUrl: false, role: 'admin' };
    if (!/^\d{12}$/.test(accountParameter)) throw new ConsoleInputError('accountId', `accountId must be 12 digits, not '${accountParameter.slice(0, 40)}'`);
    return { accountId: accountParameter, accountInUrl: true, role: 'admin' };
  }
  if (deps.session) return { accountId: deps.session.accountId, accountInUrl: false, role: deps.session.role };
  if (kind === 'page') throw new SignInRequired();
  try {
    const caller = await authenticate('sigv4', request, consoleSigningService, { findKey: deps.findKey, settings: deps.settings, now: deps.now });
    if (!roleAllows(caller.role, 'query')) throw new ConsoleAccessDenied(403, 'AccessDeniedException', `An access key with role '${caller.role}' cannot read the console API.`);
    return { accountId: caller.accountId, accountInUrl: false, role: caller.role };
  } catch (error) {
    // AWS answers a refused signature with 403, as the AWS operations here do.
    if (error instanceof AwsError) throw new ConsoleAccessDenied(error.statusCode, error.errorType, error.message);
    throw error;
  }
}
