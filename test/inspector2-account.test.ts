// What security tools call first: BatchGetAccountStatus, ListMembers and GetConfiguration through the
// real JS SDK, boto3 and the AWS CLI. The caller's own account only: another account named in a
// request is a failure entry or AccessDeniedException, never its state.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BatchGetAccountStatusCommand, GetConfigurationCommand, ListMembersCommand, paginateListMembers } from '@aws-sdk/client-inspector2';
import { awsCli, awsCliMissing, boto3, boto3Missing } from './helpers/aws-clients.ts';
import { databaseKinds } from './helpers/databases.ts';
import { inspector2Client, postRaw, startTestServer, type TestServer } from './helpers/server.ts';

const account = '111122223333';
const other = '444455556666';

const enabled = (what: string) => ({ status: 'ENABLED', errorCode: 'ALREADY_ENABLED', errorMessage: `${what} is enabled.` });
const disabled = (what: string) => ({ status: 'DISABLED', errorCode: 'RESOURCE_NOT_FOUND', errorMessage: `imagescope does not scan ${what}.` });
const ownState = (accountId: string) => ({
  accountId,
  state: enabled('Amazon Inspector (imagescope)'),
  resourceState: {
    ec2: disabled('EC2 instances'),
    ecr: enabled('Container image scanning'),
    lambda: disabled('Lambda functions'),
    lambdaCode: disabled('Lambda function code'),
    codeRepository: disabled('code repositories'),
  },
});

for (const kind of databaseKinds) {
  describe(`Inspector2 account status, members and configuration on ${kind.name}`, () => {
    let server: TestServer;

    before(async () => {
      server = await startTestServer(kind, { env: { IMAGESCOPE_RESCAN_DURATION: 'DAYS_14' } });
    });
    after(() => server.stop());

    it("answers the caller's own account as enabled for container images only", async () => {
      const out = await inspector2Client(server.url, account).send(new BatchGetAccountStatusCommand({}));
      assert.deepEqual(out.accounts, [ownState(account)]);
      assert.equal(out.failedAccounts, undefined);
      const named = await inspector2Client(server.url, other).send(new BatchGetAccountStatusCommand({ accountIds: [other] }));
      assert.deepEqual(named.accounts, [ownState(other)], 'each account is its own');
    });

    it("gives another account named in accountIds a failure entry, never its state", async () => {
      const out = await inspector2Client(server.url, account).send(new BatchGetAccountStatusCommand({ accountIds: [account, other, other] }));
      assert.deepEqual(out.accounts, [ownState(account)]);
      assert.deepEqual(out.failedAccounts, [{ accountId: other, errorCode: 'ACCESS_DENIED', errorMessage: `The caller's account ${account} may read only its own status.` }]);
      const onlyOther = await inspector2Client(server.url, account).send(new BatchGetAccountStatusCommand({ accountIds: [other] }));
      assert.deepEqual(onlyOther.accounts, []);
      assert.equal(onlyOther.failedAccounts?.length, 1);
    });

    it('lists no members, through the paginator too, and refuses a token it never issued', async () => {
      const client = inspector2Client(server.url, account);
      assert.deepEqual((await client.send(new ListMembersCommand({ maxResults: 50, onlyAssociated: true }))).members, []);
      const pages = [];
      for await (const page of paginateListMembers({ client }, {})) pages.push(page.members);
      assert.deepEqual(pages, [[]]);
      await assert.rejects(client.send(new ListMembersCommand({ nextToken: 'made-up' })), { name: 'ValidationException' });
      await assert.rejects(client.send(new ListMembersCommand({ maxResults: 51 })), (e: any) => e.name === 'ValidationException' && /maxResults/.test(e.message));
    });

    it('gives the ECR rescan duration a scan stays current for, and only for the caller', async () => {
      const client = inspector2Client(server.url, account);
      const out = await client.send(new GetConfigurationCommand({}));
      assert.deepEqual(out.ecrConfiguration, { rescanDurationState: { rescanDuration: 'DAYS_14', status: 'SUCCESS' } });
      assert.equal(out.ec2Configuration, undefined);
      assert.deepEqual((await client.send(new GetConfigurationCommand({ accountId: account }))).ecrConfiguration, out.ecrConfiguration);
      await assert.rejects(client.send(new GetConfigurationCommand({ accountId: other })), { name: 'AccessDeniedException' });
    });

    it('validates like AWS: a malformed account id is a ValidationException with its field', async () => {
      const response = await postRaw(server.url, '/status/batch/get', JSON.stringify({ accountIds: ['12'] }), { authorization: `AWS4-HMAC-SHA256 Credential=${account}/20261201/us-west-2/inspector2/aws4_request` });
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('x-amzn-errortype'), 'ValidationException');
      assert.match(response.json.message, /accountIds/);
    });

    it('answers boto3 and the AWS CLI unmodified', { skip: boto3Missing || awsCliMissing }, async () => {
      const viaBoto3 = await boto3('result = [inspector2.batch_get_account_status()["accounts"], inspector2.list_members()["members"], inspector2.get_configuration()["ecrConfiguration"]]', server.url);
      assert.deepEqual(viaBoto3, [[ownState(account)], [], { rescanDurationState: { rescanDuration: 'DAYS_14', status: 'SUCCESS' } }]);
      const viaCli = await awsCli(['inspector2', 'batch-get-account-status', '--account-ids', account, other], server.url);
      assert.deepEqual(viaCli.accounts, [ownState(account)]);
      assert.equal(viaCli.failedAccounts[0].accountId, other);
    });
  });
}
