import type { Readable } from 'node:stream';

import { originalTooLarge, storageFault } from '../core/errors';

/**
 * An object's body read into one Buffer, copied once. With a Content-Length the buffer is allocated once
 * and each chunk copied into place (the SDK's `transformToByteArray` gathers the chunks and concatenates
 * them, and a Buffer made from its result copies the bytes again: two copies of a 16 MB original); a body
 * that ends short or runs long is a storage fault. Without one (a chunked answer), the bytes are counted
 * as they come and the read stops once they pass `maxBytes`, so a body of unknown size cannot fill the
 * container's memory either. Chunks are taken from 'data' events: an async iterator costs a promise per
 * chunk, measurably slower on a large body (bench/miss-path.ts).
 */
export function readBody(
  body: Readable,
  contentLength: number | undefined,
  maxBytes: number,
): Promise<Buffer> {
  if (contentLength !== undefined && contentLength > maxBytes) {
    body.destroy();
    return Promise.reject(originalTooLarge(maxBytes));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const declared = contentLength !== undefined ? Buffer.allocUnsafe(contentLength) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    const fail = (error: Error) => {
      body.removeAllListeners('data');
      body.destroy();
      reject(error);
    };
    body.on('data', (chunk: Buffer) => {
      if (declared) {
        if (received + chunk.length > declared.length) return fail(storageFault());
        chunk.copy(declared, received);
      } else {
        if (received + chunk.length > maxBytes) return fail(originalTooLarge(maxBytes));
        chunks.push(chunk);
      }
      received += chunk.length;
    });
    body.once('error', () => reject(storageFault()));
    body.once('end', () => {
      if (!declared) return resolve(Buffer.concat(chunks, received));
      if (received !== declared.length) return reject(storageFault());
      resolve(declared);
    });
  });
}
