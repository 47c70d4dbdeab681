// What an operation is to the protocol layer. A service supplies its model and the modelled errors
// the pipeline needs; an operation adds a name (as in the model) and a handler that never sees HTTP.
import type { ServiceModel } from '../model/service-model.ts';
import type { ReadModels } from '../read-models/read-models.ts';
import type { Store } from '../store/store.ts';
import type { AwsError } from './errors.ts';
import type { PaginationTokens } from './pagination-token.ts';
import type { Violation } from './validate.ts';

export interface ServiceDefinition {
  model: ServiceModel;
  /** The request is not valid JSON of the input shape, or breaks a modelled constraint. */
  invalidInput(violations: Violation[], cannotParse: string | undefined): AwsError;
  invalidPaginationToken(message: string): AwsError;
  /** Unexpected failure: the service's own 500 error, carrying only the request id. */
  internalError(requestId: string): AwsError;
  /** The caller's key lacks the role the operation needs. */
  accessDenied(message: string): AwsError;
  throttled(retryAfterSeconds: number): AwsError;
  /** The database is unreachable or busy: retry after a moment. */
  unavailable(requestId: string, retryAfterSeconds: number): AwsError;
}

export interface ServerSettings {
  /** Default tenant account when the credentials name none (authentication off). */
  defaultAccountId: string;
  defaultRegion: string;
  /** How long units that stopped stay visible in GetClustersForImage. */
  retentionMs: number;
  /** The fixed page size of ListImageScanFindingAggregations (the operation has no maxResults). */
  aggregationPageSize: number;
  /** How long a scan is current, as Inspector's ECR rescan duration names it (`DAYS_30`, `LIFETIME`). */
  rescanDuration: string;
  /** Coverage: a scan newer than this (ms) is current (ACTIVE/SUCCESSFUL), an older one stale. */
  scanFreshnessMs: number;
}

export interface OperationContext {
  requestId: string;
  accountId: string;
  region: string;
  /** Request time, epoch ms. */
  now: number;
  store: Store;
  /** The account's fleet and open findings, kept in memory (read-models/). */
  readModels: ReadModels;
  tokens: PaginationTokens;
  settings: ServerSettings;
}

export interface OperationDefinition<Input = any, Output = any> {
  service: ServiceDefinition;
  name: string;
  /**
   * The answer depends only on the input, the caller's account and region, and what the store holds
   * (the clock only dates its pagination token): a success may be served again while nothing has
   * been committed since (answer-cache.ts).
   */
  answerDependsOnStoreOnly?: boolean;
  handle(input: Input, context: OperationContext): Promise<Output>;
}
