import { invalidSignature } from './errors';
import { keyToUri } from './key';
import { canonicalParameterName, type QueryValues } from './params';

/**
 * Signed URLs. The signature is HMAC-SHA256, in lower-case hex, carried in `s`, over one canonical
 * payload that every signer and verifier builds with `signaturePayload`:
 *
 *   keyToUri(key) + '?' + pairs.sort().join('&'),  each pair encodeURIComponent(name) + '=' + encodeURIComponent(value)
 *
 * for every value of every signed parameter, values as decoded from the request. Signed parameters are
 * the transform parameters under their canonical names (any case, any alias: `W` → `width`) and
 * `expires` in any case; unknown parameters are ignored (they never reach the cache key either).
 * Encoding each name and value makes the payload unambiguous (`format=webp%26width%3D310` cannot pose
 * as two pairs), and the expiry and signature are read from the same folded map the payload is built
 * from, so no spelling of a name (`EXPIRES`, `%65xpires`, a repeat) can be signed but not checked.
 * Reordering or aliasing keeps a URL valid; changing a value or adding a transform parameter does not.
 * Runs in the CloudFront Functions runtime too, so no classes or for-of.
 */

export const SIGNATURE_PARAM = 's';
export const EXPIRES_PARAM = 'expires';

/** The name a given parameter is signed and checked under, or undefined when it is not signed. */
export function signedParameterName(given: string): string | undefined {
  const lower = given.toLowerCase();
  return lower === EXPIRES_PARAM || lower === SIGNATURE_PARAM ? lower : canonicalParameterName(given);
}

/** Every value of the signed parameters and `s`, by canonical name (no prototype: names are input). */
function signedParameters(query: QueryValues): Record<string, string[]> {
  const folded: Record<string, string[]> = Object.create(null);
  const names = Object.keys(query);
  for (let i = 0; i < names.length; i++) {
    const name = signedParameterName(names[i] as string);
    if (name) folded[name] = (folded[name] || []).concat(query[names[i] as string] as string[]);
  }
  return folded;
}

function payloadOf(key: string, params: Record<string, string[]>): string {
  const pairs: string[] = [];
  const names = Object.keys(params);
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (name === SIGNATURE_PARAM) continue;
    const values = params[name] as string[];
    for (let j = 0; j < values.length; j++)
      pairs.push(encodeURIComponent(name) + '=' + encodeURIComponent(values[j] as string));
  }
  pairs.sort();
  return keyToUri(key) + '?' + pairs.join('&');
}

export function signaturePayload(key: string, query: QueryValues): string {
  return payloadOf(key, signedParameters(query));
}

/**
 * Compares in time that depends only on the lengths. CloudFront Functions' crypto module offers only
 * createHash and createHmac, no timingSafeEqual (JavaScript runtime 2.0 features, "Crypto":
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-20.html).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** What the viewer does with a verified or refused signature; `hmacHex` is the runtime's HMAC. */
export function checkSignature(
  key: string,
  query: QueryValues,
  nowSeconds: number,
  hmacHex: (payload: string) => string,
): void {
  const params = signedParameters(query);
  const given = params[SIGNATURE_PARAM];
  if (!given) throw invalidSignature('Missing signature');
  if (given.length !== 1 || !constantTimeEqual(given[0] as string, hmacHex(payloadOf(key, params))))
    throw invalidSignature('Invalid signature');
  const expires = params[EXPIRES_PARAM];
  if (expires) {
    if (expires.length !== 1 || !/^\d{1,12}$/.test(expires[0] as string))
      throw invalidSignature('Invalid expiry');
    if (Number(expires[0]) < nowSeconds) throw invalidSignature('Signature expired');
  }
}
