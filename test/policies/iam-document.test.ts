import { strict as assert } from 'node:assert';

import fc from 'fast-check';

import {
  actionMatches,
  conditionValues,
  isServiceWildcard,
  isWildcardResource,
  parsePolicyDocument,
  PolicyDocumentError,
  resourceMatches,
  resourceReachesPrefix,
  restrictingConditionValues,
  toArray,
} from '../../policies/lib/iam-document';

describe('iam-document helpers', () => {
  it('toArray normalises nothing, a scalar and an array', () => {
    assert.deepEqual(toArray(undefined), []);
    assert.deepEqual(toArray('s3:GetObject'), ['s3:GetObject']);
    assert.deepEqual(toArray(['a', 'b']), ['a', 'b']);
  });

  it('parses a JSON string and an object to the same statements', () => {
    const doc = { Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' } };
    const fromObject = parsePolicyDocument(doc);
    assert.deepEqual(parsePolicyDocument(JSON.stringify(doc)), fromObject);
    assert.deepEqual(fromObject[0]?.actions, ['s3:GetObject']);
    assert.deepEqual(fromObject[0]?.resources, ['arn:aws:s3:::b/*']);
  });

  it('normalises principals: "*" and {"AWS": "*"} are wildcards, services are listed', () => {
    const [star, aws, service] = parsePolicyDocument({
      Statement: [
        { Effect: 'Allow', Principal: '*' },
        { Effect: 'Allow', Principal: { AWS: ['*'] } },
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ],
    });
    assert.equal(star?.principals?.wildcard, true);
    assert.equal(aws?.principals?.wildcard, true);
    assert.equal(service?.principals?.wildcard, false);
    assert.deepEqual(service?.principals?.service, ['lambda.amazonaws.com']);
  });

  it('rejects invalid JSON, a non-object document and a bad Effect', () => {
    assert.throws(() => parsePolicyDocument('{'), PolicyDocumentError);
    assert.throws(() => parsePolicyDocument('[]'), PolicyDocumentError);
    assert.throws(() => parsePolicyDocument({ Statement: [{ Effect: 'Maybe' }] }), /Effect "Maybe"/);
  });

  it('reads condition keys case-insensitively, optionally by operator', () => {
    const [s] = parsePolicyDocument({
      Statement: {
        Effect: 'Allow',
        Condition: { StringEquals: { 'aws:sourcearn': 'arn:x' }, Bool: { k: 'true' } },
      },
    });
    assert.deepEqual(conditionValues(s!, 'AWS:SourceArn'), ['arn:x']);
    assert.deepEqual(conditionValues(s!, 'AWS:SourceArn', ['ArnLike']), []);
  });

  it('matches actions case-insensitively with * and ?', () => {
    assert.equal(actionMatches('s3:Get*', 's3:getobject'), true);
    assert.equal(actionMatches('iam:Put?olePolicy', 'iam:PutRolePolicy'), true);
    assert.equal(actionMatches('s3:GetObject', 's3:PutObject'), false);
    assert.equal(isServiceWildcard('s3:*'), true);
    assert.equal(isServiceWildcard('*'), true);
    assert.equal(isServiceWildcard('s3:Get*'), false);
  });

  it('matches resources case-sensitively', () => {
    assert.equal(resourceMatches('arn:aws:s3:::b/*', 'arn:aws:s3:::b/k'), true);
    assert.equal(resourceMatches('arn:aws:s3:::B/*', 'arn:aws:s3:::b/k'), false);
  });

  it('decides whether a resource pattern reaches a key prefix', () => {
    assert.equal(resourceReachesPrefix('arn:aws:s3:::b/*', 'arn:aws:s3:::b/uploads/'), true);
    assert.equal(resourceReachesPrefix('arn:aws:s3:::b/uploads/x.jpg', 'arn:aws:s3:::b/uploads/'), true);
    assert.equal(resourceReachesPrefix('arn:aws:s3:::b/renditions/*', 'arn:aws:s3:::b/uploads/'), false);
    assert.equal(resourceReachesPrefix('arn:aws:s3:::b', 'arn:aws:s3:::b/'), false);
    assert.equal(resourceReachesPrefix('*', 'arn:aws:s3:::b/'), true);
  });

  it('resourceReachesPrefix agrees with glob matching on prefix + suffix (property)', () => {
    const chars = fc.constantFrom('a', 'b', '/');
    const literal = fc.array(chars, { maxLength: 6 }).map((c) => c.join(''));
    const pattern = fc
      .array(fc.oneof(chars, fc.constant('*'), fc.constant('?')), { maxLength: 6 })
      .map((c) => c.join(''));
    fc.assert(
      fc.property(pattern, literal, literal, (p, prefix, suffix) => {
        // A witness prefix + suffix that the pattern matches proves the pattern reaches the prefix.
        if (resourceMatches(p, prefix + suffix)) assert.equal(resourceReachesPrefix(p, prefix), true);
      }),
    );
  });

  describe('IAM wildcards, matched the way IAM matches them (issue 11)', () => {
    it('recognises every spelling of a whole-service or all-action wildcard', () => {
      for (const a of ['*', '**', '?*', 's3:*', 's3:**', 's3:?*', 'S3:*', 's3*', '*:*', 's*:*', 'iam:*']) {
        assert.equal(isServiceWildcard(a), true, a);
      }
      for (const a of ['s3:GetObject', 's3:Get*', 's3:*Object', 'S3:GetObject', 'iam:PassRole']) {
        assert.equal(isServiceWildcard(a), false, a);
      }
    });
    it('recognises resources that match what they do not name', () => {
      for (const r of [
        '*',
        'arn:*',
        'arn:aws:*:*:*:*',
        'arn:aws:s3:::*',
        'arn:aws:s3:::**',
        'arn:aws:s3:::?*',
        'arn:aws:s3:::*/*',
        'arn:*:s3:::*',
        'arn:aws:sqs:*:*:*',
        'arn:aws:iam::123456789012:role/*',
        'arn:aws:lambda:*:*:function:*',
      ]) {
        assert.equal(isWildcardResource(r), true, r);
      }
      for (const r of [
        'arn:aws:s3:::cdn-originals/*',
        'arn:aws:s3:::cdn-originals',
        'arn:aws:logs:*:123456789012:log-group:/aws/lambda/x:*',
        'arn:aws:sqs:us-west-2:123456789012:failures',
        'arn:aws:iam::123456789012:role/cdn-*',
      ]) {
        assert.equal(isWildcardResource(r), false, r);
      }
    });
    it('a * matches across ":" and "/", a ? exactly one character, and runs of * are one *', () => {
      assert.equal(resourceMatches('arn:aws:s3:::b*', 'arn:aws:s3:::b/x/y'), true);
      assert.equal(resourceMatches('arn:aws:s3:::b?', 'arn:aws:s3:::b'), false);
      assert.equal(actionMatches('s3:**', 's3:GetObject'), true);
      assert.equal(actionMatches('S3:getobject', 's3:GetObject'), true);
    });
    it('reads element and principal names in any case, and an unknown principal type as everyone', () => {
      const [s] = parsePolicyDocument({
        statement: [{ effect: 'Allow', action: 's3:*', resource: '*', principal: { aws: 'x' } }],
      });
      assert.deepEqual(s?.actions, ['s3:*']);
      assert.deepEqual(s?.principals?.aws, ['x']);
      const [u] = parsePolicyDocument({ Statement: { Effect: 'Allow', Principal: { Anyone: 'x' } } });
      assert.equal(u?.principals?.wildcard, true);
    });
    it('keeps only conditions that restrict: no IfExists, no bare wildcard under a Like operator', () => {
      const [s] = parsePolicyDocument({
        Statement: {
          Effect: 'Allow',
          Condition: {
            StringLike: { 'sts:ExternalId': '*' },
            StringEqualsIfExists: { 'aws:PrincipalArn': 'arn:aws:iam::1:role/x' },
            StringEquals: { 'aws:SourceAccount': '123456789012' },
          },
        },
      });
      assert.deepEqual(restrictingConditionValues(s!, ['sts:ExternalId', 'aws:PrincipalArn']), []);
      assert.deepEqual(restrictingConditionValues(s!, ['AWS:SOURCEACCOUNT']), ['123456789012']);
    });
  });
});
