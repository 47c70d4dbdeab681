// Who is asking and where. With authentication off the account is the access key id when it is 12
// digits (so `AWS_ACCESS_KEY_ID=111122223333` selects a tenant), else the default account; the region
// is the one in the SigV4 credential scope, which every AWS client sends.
import type { ServerSettings } from './operation.ts';

const credentialPattern = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

export interface RequestIdentity {
  accountId: string;
  region: string;
}

export function identifyRequest(authorization: string | undefined, settings: ServerSettings): RequestIdentity {
  const match = authorization ? credentialPattern.exec(authorization) : null;
  const accessKeyId = match?.[1];
  return {
    accountId: accessKeyId && /^\d{12}$/.test(accessKeyId) ? accessKeyId : settings.defaultAccountId,
    region: match?.[2] ?? settings.defaultRegion,
  };
}
