import assert from 'node:assert/strict';

import { isImageError } from '../../functions/core/errors';

/** The code of the 4xx ImageError `work` is refused with; fails when it answers or fails otherwise. */
export async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    assert.ok(isImageError(error), `expected an ImageError, got ${String(error)}`);
    assert.ok(error.status >= 400 && error.status < 500, `${error.status} ${error.message}`);
    return error.code;
  }
  assert.fail('expected a refusal, got an answer');
}
