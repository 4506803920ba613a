import { createHmac } from 'node:crypto';

import { uriToKey } from '../core/key';
import { parseQueryString } from '../core/params';
import { EXPIRES_PARAM, SIGNATURE_PARAM, signaturePayload, signedParameterName } from '../core/signing';

/**
 * Signing for application code and the `npm run sign` command: the same payload the viewer function
 * verifies (see functions/core/signing.ts), HMAC-SHA256 with the stack's signing secret, in hex.
 */

export interface SignOptions {
  /** Seconds from now until the URL stops working; omitted, it never expires. */
  readonly expiresIn?: number;
  /** Current time in Unix seconds (for tests). */
  readonly now?: number;
}

export function signatureFor(key: string, queryString: string, secret: string): string {
  return createHmac('sha256', secret)
    .update(signaturePayload(key, parseQueryString(queryString)))
    .digest('hex');
}

/** Signs `/photos/cat.jpg?width=400&format=auto`, returning it with `expires` (if asked) and `s` appended. */
export function signUrl(pathAndQuery: string, secret: string, options: SignOptions = {}): string {
  if (!secret) throw new Error('signing secret is empty');
  const question = pathAndQuery.indexOf('?');
  const path = question < 0 ? pathAndQuery : pathAndQuery.slice(0, question);
  const params = new URLSearchParams(question < 0 ? '' : pathAndQuery.slice(question + 1));
  // Any spelling of `s` or `expires` (`EXPIRES`, `%65xpires`) is the viewer's too: replace them all.
  for (const name of [...params.keys()]) {
    const signed = signedParameterName(name);
    if (signed === SIGNATURE_PARAM || signed === EXPIRES_PARAM) params.delete(name);
  }
  if (options.expiresIn !== undefined) {
    const now = options.now ?? Math.floor(Date.now() / 1000);
    params.set(EXPIRES_PARAM, String(now + Math.round(options.expiresIn)));
  }
  const query = params.toString();
  params.set(SIGNATURE_PARAM, signatureFor(uriToKey(path), query, secret));
  return `${path}?${params.toString()}`;
}
