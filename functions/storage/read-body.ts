import type { Readable } from 'node:stream';

import { originalTooLarge, storageFault } from '../core/errors';

/**
 * An object's body read into one Buffer, copied once. With a Content-Length the buffer is allocated once
 * and each chunk copied into place (the SDK's `transformToByteArray` gathers the chunks and concatenates
 * them, and a Buffer made from its result copies the bytes again: two copies of a 16 MB original); a body
 * that ends short or runs long is a storage fault. Without one (a chunked answer), the bytes are counted
 * as they come and the read stops once they pass `maxBytes`, so a body of unknown size cannot fill the
 * container's memory either.
 */
export async function readBody(body: Readable, contentLength: number | undefined, maxBytes: number) {
  if (contentLength !== undefined && contentLength > maxBytes) {
    body.destroy();
    throw originalTooLarge(maxBytes);
  }
  if (contentLength !== undefined) {
    const buffer = Buffer.allocUnsafe(contentLength);
    let offset = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (offset + chunk.length > contentLength) {
        body.destroy();
        throw storageFault();
      }
      chunk.copy(buffer, offset);
      offset += chunk.length;
    }
    if (offset !== contentLength) throw storageFault();
    return buffer;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      body.destroy();
      throw originalTooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
