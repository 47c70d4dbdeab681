// Inspector2 GetConfiguration: the ECR configuration says how long imagescope treats a scan as current
// (its rescan duration, IMAGESCOPE_RESCAN_DURATION). There is no EC2 configuration to give. Only the
// caller's own account can be asked for.
import type { OperationContext, OperationDefinition } from '../../protocol/operation.ts';
import { AccessDeniedException } from './errors.ts';
import { inspector2 } from './service.ts';

export interface GetConfigurationRequest {
  accountId?: string;
}

export interface GetConfigurationResponse {
  ecrConfiguration: { rescanDurationState: { rescanDuration: string; status: 'SUCCESS' } };
}

async function handle(input: GetConfigurationRequest, context: OperationContext): Promise<GetConfigurationResponse> {
  if (input.accountId != null && input.accountId !== context.accountId) {
    throw new AccessDeniedException(`The caller's account ${context.accountId} may read only its own configuration, not ${input.accountId}'s.`);
  }
  return { ecrConfiguration: { rescanDurationState: { rescanDuration: context.settings.rescanDuration, status: 'SUCCESS' } } };
}

export const getConfiguration: OperationDefinition<GetConfigurationRequest, GetConfigurationResponse> = {
  service: inspector2,
  name: 'GetConfiguration',
  handle,
};
