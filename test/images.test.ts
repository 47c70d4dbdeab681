// Image reference normalisation: the one place that turns what runtimes report into resource ids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageKeyOf, parseResourceId, resourceIdOf } from '../src/domain/images.ts';

const scope = { accountId: '444455556666', region: 'eu-central-1' };
const a = `sha256:${'a'.repeat(64)}`;
const resourceId = (reference: string, digest?: string) => {
  const key = imageKeyOf(reference, scope, digest);
  return key && resourceIdOf(key);
};

describe('image references', () => {
  it('maps ECR references to their own account and region, with or without a tag', () => {
    const expected = `arn:aws:ecr:us-west-2:111122223333:repository/team/web/${a}`;
    assert.equal(resourceId(`111122223333.dkr.ecr.us-west-2.amazonaws.com/team/web:1.2@${a}`), expected);
    assert.equal(resourceId('111122223333.dkr.ecr.us-west-2.amazonaws.com/team/web:1.2', a), expected);
    assert.equal(resourceId(`111122223333.dkr.ecr.us-west-2.amazonaws.com/team/web@${a}`), expected);
    assert.equal(resourceId(`111122223333.dkr.ecr-fips.us-west-2.amazonaws.com/team/web@${a}`), expected);
    assert.equal(resourceId(`111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/web@${a}`), `arn:aws-cn:ecr:cn-north-1:111122223333:repository/web/${a}`);
  });

  it('strips the prefixes kubelet adds to imageID', () => {
    assert.equal(resourceId(`docker-pullable://111122223333.dkr.ecr.us-west-2.amazonaws.com/web@${a}`), `arn:aws:ecr:us-west-2:111122223333:repository/web/${a}`);
    assert.equal(resourceId(`docker-pullable://nginx@${a}`), `arn:aws:ecr:eu-central-1:444455556666:repository/docker.io/library/nginx/${a}`);
  });

  it('keeps other registries under the ingesting account and region, registry first', () => {
    assert.equal(resourceId(`nginx:1.27@${a}`), `arn:aws:ecr:eu-central-1:444455556666:repository/docker.io/library/nginx/${a}`);
    assert.equal(resourceId(`index.docker.io/bitnami/redis@${a}`), `arn:aws:ecr:eu-central-1:444455556666:repository/docker.io/bitnami/redis/${a}`);
    assert.equal(resourceId(`ghcr.io/acme/app:v1@${a}`), `arn:aws:ecr:eu-central-1:444455556666:repository/ghcr.io/acme/app/${a}`);
    assert.equal(resourceId(`registry.local:5000/team/app:v1@${a}`), `arn:aws:ecr:eu-central-1:444455556666:repository/registry.local_5000/team/app/${a}`);
    assert.equal(resourceId(`localhost/app@${a}`), `arn:aws:ecr:eu-central-1:444455556666:repository/localhost/app/${a}`);
  });

  it('refuses references without a manifest digest or with a malformed one', () => {
    assert.equal(resourceId('nginx:1.27'), undefined);
    assert.equal(resourceId('nginx@sha256:1234'), undefined);
    assert.equal(resourceId('nginx', 'sha256:NOTHEX'), undefined);
    assert.equal(resourceId('', a), undefined);
    assert.equal(resourceId('Upper/Case', a), undefined);
  });

  it('splits resource ids into repository and optional digest', () => {
    assert.deepEqual(parseResourceId(`arn:aws:ecr:us-west-2:111122223333:repository/ghcr.io/acme/app/${a}`), {
      repository: 'arn:aws:ecr:us-west-2:111122223333:repository/ghcr.io/acme/app',
      digest: a,
    });
    assert.deepEqual(parseResourceId('arn:aws:ecr:us-west-2:111122223333:repository/team/web'), {
      repository: 'arn:aws:ecr:us-west-2:111122223333:repository/team/web',
      digest: undefined,
    });
    assert.equal(parseResourceId('arn:aws:s3:::bucket'), undefined);
  });
});
