// Inspector2 BatchGetAccountStatus: what security tools ask first. imagescope scans container images
// (ECR and every other registry) and nothing else, for the caller's own account: ENABLED with
// resourceState.ecr ENABLED and the other resource types DISABLED. The model requires an errorCode and
// an errorMessage in every state; an enabled one says ALREADY_ENABLED, as AWS does, and a disabled one
// RESOURCE_NOT_FOUND. Another account named in accountIds is a failedAccounts entry, never its state.
import type { OperationContext, OperationDefinition } from '../../protocol/operation.ts';
import { inspector2 } from './service.ts';

export interface BatchGetAccountStatusRequest {
  accountIds?: string[];
}

interface State {
  status: 'ENABLED' | 'DISABLED';
  errorCode: string;
  errorMessage: string;
}

interface AccountState {
  accountId: string;
  state: State;
  resourceState: { ec2: State; ecr: State; lambda: State; lambdaCode: State; codeRepository: State };
}

interface FailedAccount {
  accountId: string;
  errorCode: 'ACCESS_DENIED';
  errorMessage: string;
}

export interface BatchGetAccountStatusResponse {
  accounts: AccountState[];
  failedAccounts?: FailedAccount[];
}

const enabled = (what: string): State => ({ status: 'ENABLED', errorCode: 'ALREADY_ENABLED', errorMessage: `${what} is enabled.` });
const disabled = (what: string): State => ({ status: 'DISABLED', errorCode: 'RESOURCE_NOT_FOUND', errorMessage: `imagescope does not scan ${what}.` });

function accountState(accountId: string): AccountState {
  return {
    accountId,
    state: enabled('Amazon Inspector (imagescope)'),
    resourceState: {
      ec2: disabled('EC2 instances'),
      ecr: enabled('Container image scanning'),
      lambda: disabled('Lambda functions'),
      lambdaCode: disabled('Lambda function code'),
      codeRepository: disabled('code repositories'),
    },
  };
}

async function handle(input: BatchGetAccountStatusRequest, context: OperationContext): Promise<BatchGetAccountStatusResponse> {
  const named = [...new Set(input.accountIds ?? [])];
  if (named.length === 0) return { accounts: [accountState(context.accountId)] };
  const others = named.filter((id) => id !== context.accountId);
  return {
    accounts: named.includes(context.accountId) ? [accountState(context.accountId)] : [],
    ...(others.length > 0 && {
      failedAccounts: others.map((accountId) => ({ accountId, errorCode: 'ACCESS_DENIED' as const, errorMessage: `The caller's account ${context.accountId} may read only its own status.` })),
    }),
  };
}

export const batchGetAccountStatus: OperationDefinition<BatchGetAccountStatusRequest, BatchGetAccountStatusResponse> = {
  service: inspector2,
  name: 'BatchGetAccountStatus',
  handle,
};
