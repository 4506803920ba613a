import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  actionMatches,
  conditionValues,
  isServiceWildcard,
  parsePolicyDocument,
  PolicyDocumentError,
  resourceMatches,
  resourceReachesPrefix,
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
});
