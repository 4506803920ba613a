import assert from 'node:assert/strict';

import type { CloudFrontResultResponse } from 'aws-lambda';

import { originResponseViolations } from '../../functions/edge/response-rules';
import { originResponseEvent } from '../support/edge-event';

// The stand-in for CloudFront's validation of origin-response answers: "Restrictions on all edge
// functions" (disallowed and read-only headers) and "Quotas on Lambda@Edge" (1 MB generated response).
describe('origin-response answers as CloudFront validates them', () => {
  const origin = () => originResponseEvent('/p.jpg/_w100.webp', '404').Records[0]!.cf.response;
  const valid = (): CloudFrontResultResponse => ({
    status: '200',
    statusDescription: 'OK',
    headers: {
      'content-type': [{ key: 'Content-Type', value: 'image/webp' }],
      via: origin().headers.via!,
      'transfer-encoding': origin().headers['transfer-encoding']!,
    },
    body: Buffer.alloc(10).toString('base64'),
    bodyEncoding: 'base64',
  });

  it('accepts an answer that keeps the read-only headers, and the origin response itself', () => {
    assert.deepEqual(originResponseViolations(origin(), valid()), []);
    const passed = origin();
    assert.deepEqual(originResponseViolations(passed, passed), []);
  });

  for (const name of ['via', 'transfer-encoding']) {
    it(`refuses an answer that drops or changes ${name}`, () => {
      const dropped = valid();
      delete dropped.headers![name];
      assert.match(
        originResponseViolations(origin(), dropped).join(),
        new RegExp(`read-only header ${name}`),
      );
      const changed = valid();
      changed.headers![name] = [{ key: name, value: 'other' }];
      assert.match(
        originResponseViolations(origin(), changed).join(),
        new RegExp(`read-only header ${name}`),
      );
    });
  }

  it('refuses a read-only header the origin did not send', () => {
    const source = origin();
    delete source.headers.via;
    assert.match(originResponseViolations(source, valid()).join(), /read-only header via/);
  });

  for (const name of ['connection', 'x-cache', 'x-amz-cf-pop', 'x-edge-location', 'upgrade', 'x-real-ip']) {
    it(`refuses the disallowed header ${name}`, () => {
      const answer = valid();
      answer.headers![name] = [{ key: name, value: 'x' }];
      assert.match(
        originResponseViolations(origin(), answer).join(),
        new RegExp(`header ${name} is disallowed`),
      );
    });
  }

  it('refuses a status that is not an HTTP status, a body encoding CloudFront lacks, and mismatched keys', () => {
    const answer = valid();
    answer.status = '2000';
    answer.bodyEncoding = 'binary' as 'base64';
    answer.headers!['content-type'] = [{ key: 'Content-Length', value: 'image/webp' }];
    const violations = originResponseViolations(origin(), answer).join('\n');
    assert.match(violations, /invalid status 2000/);
    assert.match(violations, /invalid bodyEncoding binary/);
    assert.match(violations, /header content-type carries key Content-Length/);
  });

  it('counts a base64 body at its encoded size against the 1 MB generated-response limit', () => {
    const answer = valid();
    answer.body = Buffer.alloc(749_000).toString('base64'); // 998,668 bytes encoded
    assert.deepEqual(originResponseViolations(origin(), answer), []);
    answer.body = Buffer.alloc(751_000).toString('base64'); // 1,001,336 bytes encoded
    assert.match(originResponseViolations(origin(), answer).join(), /over 1000000 bytes/);
  });
});
