// The offline checker's data-source mocks must be at least as strict as the provider: nothing they return may
// hide a grant, and what they cannot know they refuse instead of inventing.
import { strict as assert } from 'node:assert';

import { mockCall } from '../../policies/offline/mocks';

const call = (token: string, inputs: Record<string, unknown>) => mockCall(token, inputs, 'us-west-2');

describe('offline mocks', () => {
  it('getPolicyDocument renders notPrincipals as NotPrincipal, like the provider', () => {
    const out = call('aws:iam/getPolicyDocument:getPolicyDocument', {
      statements: [
        {
          effect: 'Allow',
          actions: ['s3:GetObject'],
          resources: ['arn:aws:s3:::b/*'],
          notPrincipals: [{ type: 'AWS', identifiers: ['arn:aws:iam::999999999999:root'] }],
        },
      ],
    });
    const doc = JSON.parse(String(out.json)) as { Statement: Record<string, unknown>[] };
    assert.deepEqual(doc.Statement[0]?.NotPrincipal, { AWS: ['arn:aws:iam::999999999999:root'] });
  });

  it('getPolicy knows AWS-managed policies by name or ARN, with their path', () => {
    assert.equal(
      call('aws:iam/getPolicy:getPolicy', { name: 'AdministratorAccess' }).arn,
      'arn:aws:iam::aws:policy/AdministratorAccess',
    );
    assert.equal(
      call('aws:iam/getPolicy:getPolicy', { arn: 'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess' })
        .path,
      '/job-function/',
    );
    const basic = call('aws:iam/getPolicy:getPolicy', { name: 'AWSLambdaBasicExecutionRole' });
    assert.equal(basic.arn, 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
    assert.match(String(basic.policy), /logs:PutLogEvents/);
  });

  it('getPolicy refuses a policy it cannot know instead of inventing an ARN', () => {
    assert.throws(
      () => call('aws:iam/getPolicy:getPolicy', { name: 'SomeoneElsesPolicy' }),
      /cannot look up IAM policy/,
    );
  });

  it('refuses a data source it has no mock for', () => {
    assert.throws(() => call('aws:ec2/getAmi:getAmi', {}), /no mock for invoke aws:ec2\/getAmi:getAmi/);
  });
});
