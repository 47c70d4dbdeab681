// Inspector2 BatchGetFindingDetails: for 1-10 finding ARNs, what the reports say about each finding's
// vulnerability beyond the finding itself: its CWEs, reference links, EPSS score and, where a report
// says it is known to be exploited, CISA's catalogue entry. imagescope has no threat intelligence of
// its own, so tools, TTPs and evidences are empty. An ARN that names no finding of the caller's
// account (another account's included) is an errors[] entry, never a failed request.
import type { OperationContext, OperationDefinition } from '../../protocol/operation.ts';
import type { FoundFinding } from '../../store/store.ts';
import { inspector2 } from './service.ts';

export interface BatchGetFindingDetailsRequest {
  findingArns: string[];
}

interface FindingDetail {
  findingArn: string;
  cisaData?: { dateAdded?: number; dateDue?: number; action?: string };
  exploitObserved?: { lastSeen?: number };
  referenceUrls: string[];
  cwes: string[];
  epssScore?: number;
  tools: never[];
  ttps: never[];
  evidences: never[];
}

interface FindingDetailsError {
  findingArn: string;
  errorCode: 'FINDING_DETAILS_NOT_FOUND';
  errorMessage: string;
}

export interface BatchGetFindingDetailsResponse {
  findingDetails: FindingDetail[];
  errors: FindingDetailsError[];
}

async function handle(input: BatchGetFindingDetailsRequest, context: OperationContext): Promise<BatchGetFindingDetailsResponse> {
  const arns = [...new Set(input.findingArns)];
  const found = await context.store.findingsByArn(context.accountId, arns);
  const response: BatchGetFindingDetailsResponse = { findingDetails: [], errors: [] };
  for (const arn of arns) {
    const finding = found.get(arn);
    if (finding) response.findingDetails.push(detailOf(finding));
    else response.errors.push({ findingArn: arn, errorCode: 'FINDING_DETAILS_NOT_FOUND', errorMessage: `No finding ${arn} in account ${context.accountId}.` });
  }
  return response;
}

function detailOf({ findingArn, details }: FoundFinding): FindingDetail {
  const exploited = details?.knownExploited;
  return {
    findingArn,
    // Timestamps go out as epoch seconds.
    ...(exploited && { cisaData: { ...(exploited.dateAdded !== undefined && { dateAdded: exploited.dateAdded / 1000 }), ...(exploited.dateDue !== undefined && { dateDue: exploited.dateDue / 1000 }), ...(exploited.action && { action: exploited.action }) } }),
    ...(details?.exploitObserved && { exploitObserved: details.exploitObserved.lastKnownExploitAt === undefined ? {} : { lastSeen: details.exploitObserved.lastKnownExploitAt / 1000 } }),
    referenceUrls: (details?.referenceUrls ?? []).slice(0, 100),
    cwes: details?.cwes ?? [],
    ...(details?.epss !== undefined && { epssScore: details.epss }),
    tools: [],
    ttps: [],
    evidences: [],
  };
}

export const batchGetFindingDetails: OperationDefinition<BatchGetFindingDetailsRequest, BatchGetFindingDetailsResponse> = {
  service: inspector2,
  name: 'BatchGetFindingDetails',
  answerDependsOnStoreOnly: true,
  handle,
};
