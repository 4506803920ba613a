import { imageError } from './errors';
import { canonicalParameterName, type QueryValues } from './params';

/**
 * Signed URLs. The signature is HMAC-SHA256, in hex, over the payload below, carried in `s`.
 * The payload is the object key and the recognised parameters with aliases folded to their canonical
 * names, sorted, plus `expires`: reordering or aliasing parameters keeps a URL valid, changing any
 * value or adding a transform parameter does not, and unknown parameters are ignored (they never reach
 * the cache key either). Runs in the CloudFront Functions runtime too, so no classes or for-of.
 */

export const SIGNATURE_PARAM = 's';
export const EXPIRES_PARAM = 'expires';

export function signaturePayload(key: string, query: QueryValues): string {
  const pairs: string[] = [];
  const names = Object.keys(query);
  for (let i = 0; i < names.length; i++) {
    const given = names[i] as string;
    const name = given.toLowerCase() === EXPIRES_PARAM ? EXPIRES_PARAM : canonicalParameterName(given);
    if (!name) continue;
    const values = query[given] as readonly string[];
    for (let j = 0; j < values.length; j++) pairs.push(name + '=' + values[j]);
  }
  pairs.sort();
  return key + '?' + pairs.join('&');
}

/** What the viewer does with a verified or refused signature; `hmacHex` is the runtime's HMAC. */
export function checkSignature(
  key: string,
  query: QueryValues,
  nowSeconds: number,
  hmacHex: (payload: string) => string,
): void {
  const given = query[SIGNATURE_PARAM];
  if (!given || given.length === 0) throw imageError(403, 'invalid_signature', 'Missing signature');
  if (given.length !== 1 || given[0] !== hmacHex(signaturePayload(key, query))) {
    throw imageError(403, 'invalid_signature', 'Invalid signature');
  }
  const expires = query[EXPIRES_PARAM];
  if (expires) {
    if (expires.length !== 1 || !/^[0-9]{1,12}$/.test(expires[0] as string)) {
      throw imageError(403, 'invalid_signature', 'Invalid expiry');
    }
    if (parseInt(expires[0] as string, 10) < nowSeconds)
      throw imageError(403, 'invalid_signature', 'Signature expired');
  }
}
