import assert from 'node:assert/strict';
import { Readable } from 'node:stream';

import { isImageError } from '../../functions/core/errors';
import { readBody } from '../../functions/storage/read-body';

/** A body of `chunks` × `size` bytes, each byte its chunk's number, that records how far it was read. */
function body(chunks: number, size: number) {
  let produced = 0;
  const stream = new Readable({
    read() {
      if (produced === chunks) return void this.push(null);
      this.push(Buffer.alloc(size, produced++));
    },
  });
  return { stream, produced: () => produced };
}

function rejectsWith(code: string) {
  return (error: unknown) => {
    assert.ok(isImageError(error), String(error));
    assert.equal(error.code, code);
    return true;
  };
}

describe('readBody (functions/storage/read-body.ts): one copy, and the byte limit however the size is told', () => {
  it('reads a body of the declared length, bytes in order', async () => {
    const { stream } = body(4, 1000);
    const read = await readBody(stream, 4000, 10_000);
    assert.equal(read.length, 4000);
    assert.deepEqual([read[0], read[999], read[1000], read[3999]], [0, 0, 1, 3]);
  });

  it('refuses a declared length over the limit without reading the body', async () => {
    const { stream, produced } = body(4, 1000);
    await assert.rejects(readBody(stream, 4000, 3999), rejectsWith('original_too_large'));
    assert.equal(produced(), 0);
    assert.ok(stream.destroyed);
  });

  it('stops a body of unknown length once it passes the limit', async () => {
    const { stream, produced } = body(100, 1000);
    await assert.rejects(readBody(stream, undefined, 5000), rejectsWith('original_too_large'));
    assert.ok(produced() < 100, `read ${produced()} of 100 chunks`);
    assert.ok(stream.destroyed);
  });

  it('reads a body of unknown length within the limit', async () => {
    const { stream } = body(5, 1000);
    assert.equal((await readBody(stream, undefined, 5000)).length, 5000);
  });

  it('answers a body shorter or longer than its Content-Length with a storage fault', async () => {
    await assert.rejects(readBody(body(3, 1000).stream, 4000, 10_000), rejectsWith('storage_fault'));
    await assert.rejects(readBody(body(5, 1000).stream, 4000, 10_000), rejectsWith('storage_fault'));
  });
});
