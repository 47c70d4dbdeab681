// Whose data a console request sees. With --auth none: the account named by ?accountId=, else the
// default account. With --auth sigv4: the API takes a SigV4 signature (service `imagescope`, a read
// or admin key) and answers only for the key's account; pages need a signed-in session, which this
// version does not offer yet, so they answer 401 and say how to reach the data.
import type { AuthMode } from '../protocol/authenticate.ts';
import { authenticate } from '../protocol/authenticate.ts';
import { roleAllows } from '../protocol/access-keys.ts';
import { AwsError } from '../protocol/errors.ts';
import type { ServerSettings } from '../protocol/operation.ts';
import type { SignedRequest } from '../protocol/sigv4-verifier.ts';
import type { AccessKeyRow } from '../store/store.ts';
import { ConsoleInputError } from './console-request.ts';

export const consoleSigningService = 'imagescope';

export interface ConsoleCaller {
  accountId: string;
  /** The account came from the URL (authentication off): links keep it. */
  accountInUrl: boolean;
}

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
  now: number;
}

export async function consoleCaller(kind: 'page' | 'api', request: SignedRequest, accountParameter: string | undefined, deps: AccessDependencies): Promise<ConsoleCaller> {
  if (deps.authMode === 'none') {
    if (accountParameter === undefined || accountParameter === '') return { accountId: deps.settings.defaultAccountId, accountInUrl: false };
    if (!/^\d{12}$/.test(accountParameter)) throw new ConsoleInputError('accountId', `accountId must be 12 digits, not '${accountParameter.slice(0, 40)}'`);
    return { accountId: accountParameter, accountInUrl: true };
  }
  if (kind === 'page') {
    throw new ConsoleAccessDenied(401, 'SignInRequired', 'This server requires authentication (--auth sigv4), and the console has no sign-in yet: call /api/v1 with a SigV4 signature (service imagescope), or run a loopback console with --auth none.');
  }
  try {
    const caller = await authenticate('sigv4', request, consoleSigningService, { findKey: deps.findKey, settings: deps.settings, now: deps.now });
    if (!roleAllows(caller.role, 'query')) throw new ConsoleAccessDenied(403, 'AccessDeniedException', `An access key with role '${caller.role}' cannot read the console API.`);
    return { accountId: caller.accountId, accountInUrl: false };
  } catch (error) {
    // AWS answers a refused signature with 403, as the AWS operations here do.
    if (error instanceof AwsError) throw new ConsoleAccessDenied(error.statusCode, error.errorType, error.message);
    throw error;
  }
}
