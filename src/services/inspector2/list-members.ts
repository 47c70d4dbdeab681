// Inspector2 ListMembers: imagescope has no organisation and no member accounts (each tenant account
// sees only itself), so the list is always empty. A nextToken can only be one imagescope never issued:
// it is checked like every other token, and refused.
import type { OperationContext, OperationDefinition } from '../../protocol/operation.ts';
import { inspector2 } from './service.ts';

export interface ListMembersRequest {
  onlyAssociated?: boolean;
  maxResults?: number;
  nextToken?: string;
}

async function handle(input: ListMembersRequest, context: OperationContext): Promise<{ members: never[] }> {
  if (input.nextToken != null) context.tokens.open(input.nextToken, { operation: 'ListMembers', accountId: context.accountId, region: context.region, filter: {} }, context.now);
  return { members: [] };
}

export const listMembers: OperationDefinition<ListMembersRequest, { members: never[] }> = {
  service: inspector2,
  name: 'ListMembers',
  handle,
};
