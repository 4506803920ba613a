import assert from 'node:assert/strict';

import { customErrorResponses } from '../../infra/cloudfront';
import { cloudFrontCacheSeconds as rules } from '../../infra/error-caching';

// CloudFront Developer Guide: "How CloudFront processes HTTP 4xx and 5xx status codes from your origin"
// (HTTPStatusCodes.html) and "Control how long CloudFront caches errors" (custom-error-pages-expiration.html).
describe('CloudFront caching rules (the local edge emulates them; the distribution configures them)', () => {
  const DAY = 86_400;

  it('never caches 413 or 422, whatever Cache-Control says', () => {
    for (const status of [413, 422, 416, 429])
      assert.equal(rules(status, 'public, max-age=60', DAY), 0, String(status));
  });

  it('caches 400, 403, 405, 412 and 415 only with max-age, for the larger of it and the minimum TTL', () => {
    for (const status of [400, 403, 405, 412, 415]) {
      assert.equal(rules(status, '', DAY), 0, String(status));
      assert.equal(rules(status, 'no-store', DAY), 0, String(status));
      assert.equal(rules(status, 'public, max-age=60', DAY), 60, String(status));
      assert.equal(rules(status, 'max-age=3', DAY), 10, `${status}: the 10 s default minimum wins`);
    }
  });

  it('honours no-store for 404 and 501 only; a 5xx is kept for its error caching minimum TTL', () => {
    assert.equal(rules(404, 'no-store', DAY), 0);
    assert.equal(rules(501, 'no-store', DAY), 0);
    for (const status of [500, 502, 503, 504])
      assert.equal(rules(status, 'no-store', DAY), 2, String(status));
    assert.equal(rules(404, '', DAY), 10);
    assert.equal(rules(404, 'public, max-age=60', DAY), 60);
  });

  it('caches other responses by max-age or s-maxage, never with no-store, else for the default TTL', () => {
    assert.equal(rules(200, 'public, max-age=31536000', DAY), 31_536_000);
    assert.equal(rules(200, 'max-age=60, s-maxage=120', DAY), 120);
    assert.equal(rules(302, 'no-store', DAY), 0);
    assert.equal(rules(200, '', DAY), DAY);
  });

  it('configures exactly the 5xx minimum TTLs the local edge applies', () => {
    for (const response of customErrorResponses())
      assert.equal(rules(response.errorCode as number, 'no-store', DAY), response.errorCachingMinTtl);
  });
});
