import assert from 'node:assert/strict';

import { toHttpError } from '../../functions/core/error-response';
import * as errors from '../../functions/core/errors';
import { cloudFrontCacheSeconds } from '../../infra/error-caching';

const ERROR_MAX_AGE = 60;
const DAY = 86_400;

/** Every factory of the catalogue, called with a sample argument. */
function everyFactoryError(): errors.ImageError[] {
  return [
    errors.invalidParameter('width', 'must be at least 1'),
    errors.invalidQuery('malformed percent-encoding'),
    errors.invalidRequest(),
    errors.invalidKey('empty'),
    errors.invalidSignature('Signature expired'),
    errors.tooManyPixels('The original is too large'),
    errors.originalTooLarge(1024),
    errors.originalNotFound(),
    errors.unsupportedInput('The original is not a supported image'),
    errors.corruptInput(),
    errors.storageFault(),
    errors.resizeTimeout(),
  ];
}

describe('error catalogue (functions/core/errors.ts)', () => {
  it('has a factory for every code but internal, and each error carries its code status', () => {
    const made = everyFactoryError();
    const codes = new Set(made.map((error) => error.code));
    assert.deepEqual(
      [...codes].sort(),
      Object.keys(errors.ERROR_STATUS)
        .filter((code) => code !== 'internal')
        .sort(),
    );
    for (const error of made) {
      assert.ok(errors.isImageError(error));
      assert.equal(error.status, errors.ERROR_STATUS[error.code], error.code);
    }
  });

  // "How CloudFront processes HTTP 4xx and 5xx status codes from your origin" (HTTPStatusCodes.html): a
  // refusal must be a status CloudFront caches with max-age, or every request re-reads the original.
  it('answers every refusal with a status CloudFront caches for errorMaxAge, every fault with no-store', () => {
    for (const error of everyFactoryError()) {
      const http = toHttpError(error, ERROR_MAX_AGE);
      assert.equal(http.status, error.status);
      assert.equal(http.headers['x-image-error'], error.code);
      assert.equal(http.body, error.message + '\n');
      assert.match(http.statusText, /^[A-Z][A-Za-z ]+$/, `${http.status} has a reason phrase`);
      const cached = cloudFrontCacheSeconds(http.status, http.headers['cache-control'] ?? '', DAY);
      if (http.status < 500) assert.equal(cached, ERROR_MAX_AGE, `${error.code} ${http.status}`);
      else assert.equal(http.headers['cache-control'], 'no-store', error.code);
    }
  });

  it('answers an unknown error with a 500 that hides its message', () => {
    const http = toHttpError(new Error('secret internals'), ERROR_MAX_AGE);
    assert.deepEqual([http.status, http.statusText, http.code], [500, 'Internal Server Error', 'internal']);
    assert.equal(http.body, 'Internal error\n');
  });

  it('codes a passed deadline timeout, not internal', () => {
    assert.deepEqual([errors.resizeTimeout().status, errors.resizeTimeout().code], [503, 'timeout']);
  });
});
