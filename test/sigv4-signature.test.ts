// The signature the verifier expects must be byte for byte the one an AWS SDK's signer makes, for
// every request shape a client may send: repeated and escaped query parameters, percent-encoded
// paths, header values with folded white space, other services and regions.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { canonicalRequest, expectedSignature, smithyCanonicalRequest } from '../src/protocol/sigv4-signature.ts';

const credentials = { accessKeyId: 'AKIAIMAGESCOPETEST01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

interface SignedCase {
  service: string;
  region: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: string;
}

const requests: SignedCase[] = [
  { service: 'imagebuilder', region: 'us-west-2', path: '/ListImageScanFindingAggregations', query: {}, headers: {}, body: '{}' },
  { service: 'inspector2', region: 'eu-central-1', path: '/cluster/get', query: {}, headers: { 'x-amz-user-agent': 'aws-sdk-js/3  test   agent' }, body: '{"filter":{"resourceId":"x"}}' },
  { service: 'imagescope', region: 'ap-southeast-2', path: '/_imagescope/ingest', query: { format: 'trivy', name: 'a b&c=d/é', accountId: '111122223333' }, headers: {}, body: 'report' },
  { service: 'imagescope', region: 'us-east-1', path: '/_imagescope/ingest', query: { tag: ['b', 'a', 'a b'] }, headers: {}, body: '' },
  { service: 'inspector2', region: 'us-gov-west-1', path: '/a%3Ab/c%20d/', query: { 'key with space': 'v~-._' }, headers: {}, body: '{}' },
  // Plain paths (built directly, not by smithy): folded, tabbed and padded header values, a trailing slash.
  { service: 'inspector2', region: 'us-west-2', path: '/cluster/get/', query: {}, headers: { 'x-amz-meta': ' \ta  b\t\tc ', 'x-amz-user-agent': 'one\r\n two' }, body: '{}' },
  { service: 'imagebuilder', region: 'us-west-2', path: '/', query: {}, headers: { 'x-amz-target': '  padded  ' }, body: '' },
  { service: 'imagebuilder', region: 'us-west-2', path: '/a/./b/../c.d', query: {}, headers: {}, body: '' },
];

for (const r of requests) {
  test(`expectedSignature equals the SDK signer's signature: ${r.service} ${r.path} ${JSON.stringify(r.query)}`, async () => {
    const signingDate = new Date('2026-11-24T03:04:05Z');
    const signed = await new SignatureV4({ credentials, region: r.region, service: r.service, sha256: Sha256 }).sign(
      new HttpRequest({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4599, path: r.path, query: r.query, headers: { host: '127.0.0.1:4599', 'content-type': 'application/json', ...r.headers }, body: r.body }),
      { signingDate },
    );
    const authorization = String(signed.headers.authorization);
    const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)![1].split(';');
    const headers = Object.fromEntries(signedNames.map((name) => [name, String(signed.headers[Object.keys(signed.headers).find((h) => h.toLowerCase() === name)!])]));
    const ours = await expectedSignature({
      method: 'POST',
      path: r.path,
      query: r.query,
      headers,
      payloadHash: createHash('sha256').update(r.body).digest('hex'),
      longDate: '20261124T030405Z',
      region: r.region,
      service: r.service,
      ...credentials,
    });
    assert.equal(ours, /Signature=([a-f0-9]{64})/.exec(authorization)![1]);
  });
}

test('expectedSignature differs when anything signed differs', async () => {
  const input = { method: 'POST', path: '/cluster/get', query: {}, headers: { host: 'h' }, payloadHash: 'ab'.repeat(32), longDate: '20261124T030405Z', region: 'us-west-2', service: 'inspector2', ...credentials };
  const base = await expectedSignature(input);
  const variants = [{ path: '/cluster/gets' }, { headers: { host: 'h2' } }, { payloadHash: 'cd'.repeat(32) }, { longDate: '20261124T030406Z' }, { region: 'us-east-1' }, { secretAccessKey: 'other' }, { query: { a: '1' } }];
  for (const variant of variants) assert.notEqual(await expectedSignature({ ...input, ...variant }), base, JSON.stringify(variant));
});

test('the canonical request built directly equals smithy\'s for every plain path and header value', () => {
  const paths = ['/cluster/get', '/ListImageScanFindingAggregations', '/', '', '/a/', '/a.b/c~d_e-f', '/.hidden', '/a//b', '/a/./b', '/a/../b', '/a%2Fb', '/a b'];
  const values = ['v', ' v', 'v ', '  v  w  ', '\tv\t', 'a\r\nb', 'a\n\n b', '', ' ', 'é ü'];
  for (const path of paths) {
    for (const value of values) {
      const input = { method: 'POST', path, query: {}, headers: { host: '127.0.0.1:4599', 'x-amz-date': '20261124T030405Z', 'x-amz-meta': value }, payloadHash: 'ab'.repeat(32), longDate: '20261124T030405Z', region: 'us-west-2', service: 'inspector2', ...credentials };
      assert.equal(canonicalRequest(input), smithyCanonicalRequest(input), JSON.stringify({ path, value }));
    }
  }
});
