import assert from 'node:assert/strict';

import type { CloudFrontResponseEvent, CloudFrontResultResponse } from 'aws-lambda';

import { type LocalEdge, startLocalEdge } from '../../local/edge-server';
import { useLocalS3 } from '../support/local-s3';

// Issue 10, item 2: the local edge hands origin-response handlers what CloudFront hands them for an S3
// error (read-only `transfer-encoding` and `via` included) and, like CloudFront, answers 502 for any
// answer that breaks "Restrictions on all edge functions".
describe('local edge: the origin-response contract, as strict as CloudFront', function () {
  this.timeout(30_000);
  const local = useLocalS3(['derivatives']);
  let edge: LocalEdge;
  let seen: CloudFrontResponseEvent | undefined;
  let answer: (event: CloudFrontResponseEvent) => CloudFrontResultResponse;
  const refused: string[][] = [];

  before(async () => {
    edge = await startLocalEdge({
      viewer: (event) => ({ result: event.request }),
      originResponse: async (event) => {
        seen = structuredClone(event);
        return answer(event);
      },
      s3: local.client,
      origins: { default: 'derivatives' },
      onInvalidResponse: (violations) => refused.push(violations),
    });
  });
  after(async () => {
    await edge.close();
  });

  const generated = (event: CloudFrontResponseEvent): CloudFrontResultResponse => {
    const origin = event.Records[0]!.cf.response;
    return {
      status: '200',
      statusDescription: 'OK',
      headers: {
        'content-type': [{ key: 'Content-Type', value: 'text/plain' }],
        'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
        via: origin.headers.via!,
        'transfer-encoding': origin.headers['transfer-encoding']!,
      },
      body: 'made',
    };
  };

  it("passes S3's error headers, transfer-encoding and via included, to the handler", async () => {
    answer = (event) => event.Records[0]!.cf.response;
    const response = await fetch(`${edge.url}/missing-1.jpg`);
    assert.equal(response.status, 404);
    const headers = seen!.Records[0]!.cf.response.headers;
    for (const name of ['transfer-encoding', 'via', 'x-amz-request-id', 'server', 'date', 'content-type'])
      assert.ok(headers[name]?.[0]?.value, name);
    assert.equal(headers['transfer-encoding']![0]!.value, 'chunked');
  });

  it('serves a valid generated answer', async () => {
    answer = generated;
    const response = await fetch(`${edge.url}/missing-2.jpg`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'made');
  });

  for (const [name, spoil] of [
    ['drops via', (r: CloudFrontResultResponse) => delete r.headers!.via],
    ['drops transfer-encoding', (r: CloudFrontResultResponse) => delete r.headers!['transfer-encoding']],
    [
      'sets a disallowed header',
      (r: CloudFrontResultResponse) => (r.headers!['x-cache'] = [{ value: 'Hit' }]),
    ],
    ['answers a body over 1 MB', (r: CloudFrontResultResponse) => (r.body = 'x'.repeat(1_000_001))],
  ] as const) {
    it(`answers 502 when the handler ${name}`, async () => {
      refused.length = 0;
      answer = (event) => {
        const result = generated(event);
        spoil(result);
        return result;
      };
      const response = await fetch(`${edge.url}/missing-${name.replace(/\W/g, '')}.jpg`);
      assert.equal(response.status, 502);
      assert.equal(refused.length, 1);
    });
  }
});
