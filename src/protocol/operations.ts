// The operation registry: the one list of operations served. A new operation is a new file plus one
// line here; routes come from each operation's HTTP binding in the official model.
import type { OperationDefinition } from './operation.ts';
import { listImageScanFindingAggregations } from '../services/imagebuilder/list-image-scan-finding-aggregations.ts';
import { listImageScanFindings } from '../services/imagebuilder/list-image-scan-findings.ts';
import { batchGetAccountStatus } from '../services/inspector2/batch-get-account-status.ts';
import { batchGetFindingDetails } from '../services/inspector2/batch-get-finding-details.ts';
import { getClustersForImage } from '../services/inspector2/get-clusters-for-image.ts';
import { getConfiguration } from '../services/inspector2/get-configuration.ts';
import { listCoverage } from '../services/inspector2/list-coverage.ts';
import { listCoverageStatistics } from '../services/inspector2/list-coverage-statistics.ts';
import { listFindingAggregations } from '../services/inspector2/list-finding-aggregations.ts';
import { listFindings } from '../services/inspector2/list-findings.ts';
import { listMembers } from '../services/inspector2/list-members.ts';

export const operations: OperationDefinition[] = [getClustersForImage, listImageScanFindingAggregations, batchGetAccountStatus, listMembers, getConfiguration, batchGetFindingDetails, listFindings, listImageScanFindings, listFindingAggregations, listCoverage, listCoverageStatistics];

const routes = new Map<string, OperationDefinition>(
  operations.map((op) => {
    const { method, requestUri } = op.service.model.operations[op.name].http;
    return [`${method} ${requestUri}`, op];
  }),
);

export function routeOf(method: string, path: string): OperationDefinition | undefined {
  return routes.get(`${method} ${path}`);
}
