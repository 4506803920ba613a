/**
 * Lambda@Edge caps a generated response (headers plus body) at 1 MB, and a base64 body counts at its
 * encoded size. These helpers tell the caller whether a derivative can be returned inline, or must be
 * stored and answered with a redirect to itself.
 */

/** The generated-response limit, read conservatively as 1,000,000 bytes. */
export const GENERATED_RESPONSE_LIMIT = 1_000_000;

export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/** Bytes the headers take on the wire: `name: value\r\n` per header. */
export function headersLength(headers: Record<string, string>): number {
  let total = 0;
  for (const [name, value] of Object.entries(headers))
    total += Buffer.byteLength(name) + Buffer.byteLength(value) + 4;
  return total;
}

/** Whether a body of `bodyBytes`, base64-encoded, fits the budget together with `headers`. */
export function fitsGeneratedResponse(
  bodyBytes: number,
  headers: Record<string, string>,
  limit: number = GENERATED_RESPONSE_LIMIT,
): boolean {
  return base64Length(bodyBytes) + headersLength(headers) <= limit;
}
