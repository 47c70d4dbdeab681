// The HTTP ingest endpoint's contract, shared by the server that answers it (server/ingest-route.ts)
// and the client that sends files to it (ingest-endpoint-client.ts).
export const ingestPath = '/_imagescope/ingest';
/** The SigV4 service name the ingest endpoint expects in the credential scope. */
export const ingestSigningService = 'imagescope';

/** The header an ingest token (`<access key id>:<secret>`) travels in: an EventBridge API destination's "API key" header. */
export const ingestTokenHeader = 'x-imagescope-ingest-token';

/** Query parameters that carry the optional ingest options, named as in IngestOptions. */
export const optionalParameters = ['region', 'clusterArn', 'namespace', 'image', 'imageBuildVersionArn', 'imagePipelineArn'] as const;
