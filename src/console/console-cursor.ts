// The console's cursors: positions sealed like the AWS pagination tokens (AES-256-GCM with the
// server's key), bound to the view, the account and the filter they were issued for, valid on every
// replica and across restarts for 24 hours. A cursor from another account or view is refused.
import { PaginationTokenError, type PaginationTokens } from '../protocol/pagination-token.ts';
import { ConsoleInputError } from './console-request.ts';

export class ConsoleCursors {
  constructor(private readonly tokens: PaginationTokens) {}

  seal(view: string, accountId: string, filter: unknown, position: unknown, now: number): string {
    return this.tokens.seal({ operation: `console:${view}`, accountId, region: 'console', filter }, position, now);
  }

  open(view: string, accountId: string, filter: unknown, cursor: string | undefined, now: number): unknown {
    if (cursor === undefined || cursor === '') return undefined;
    try {
      return this.tokens.open(cursor, { operation: `console:${view}`, accountId, region: 'console', filter }, now);
    } catch (error) {
      if (error instanceof PaginationTokenError) throw new ConsoleInputError('cursor', error.message.replaceAll('nextToken', 'cursor'));
      throw error;
    }
  }
}
