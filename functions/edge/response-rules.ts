import type { CloudFrontHeaders, CloudFrontResponse, CloudFrontResultResponse } from 'aws-lambda';

import { base64Length, GENERATED_RESPONSE_LIMIT, headersLength } from '../transform/budget';

/**
 * What CloudFront accepts from an origin-response Lambda@Edge function, after the CloudFront Developer
 * Guide: "Restrictions on all edge functions" (edge-function-restrictions-all.html: disallowed and
 * read-only headers) and "Quotas on Lambda@Edge" (1 MB generated response, base64 counted encoded).
 * An answer that breaks any of these is invalid, and CloudFront gives the viewer a 502.
 *
 * The handler uses `keepReadOnlyHeaders`; `originResponseViolations` is the check the local edge and
 * the tests apply to every answer, so a stand-in is as strict as CloudFront.
 */

/** Read-only in origin-response events: a function may not add, change or remove them. */
export const ORIGIN_RESPONSE_READ_ONLY_HEADERS: readonly string[] = ['transfer-encoding', 'via'];

/** Never exposed to edge functions; a function that adds one gets a 502. */
export const DISALLOWED_HEADERS: readonly string[] = [
  'connection',
  'expect',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'trailer',
  'upgrade',
  'x-accel-buffering',
  'x-accel-charset',
  'x-accel-limit-rate',
  'x-accel-redirect',
  'x-amzn-auth',
  'x-amzn-cf-billing',
  'x-amzn-cf-id',
  'x-amzn-cf-xff',
  'x-amzn-errortype',
  'x-amzn-fle-profile',
  'x-amzn-header-count',
  'x-amzn-header-order',
  'x-amzn-lambda-integration-tag',
  'x-amzn-requestid',
  'x-cache',
  'x-forwarded-proto',
  'x-real-ip',
];

/** Disallowed header families (`X-Amz-Cf-*`, `X-Edge-*`). */
export const DISALLOWED_HEADER_PREFIXES: readonly string[] = ['x-amz-cf-', 'x-edge-'];

/** `generated` plus the origin's read-only headers, exactly as they came. */
export function keepReadOnlyHeaders(
  origin: CloudFrontHeaders,
  generated: CloudFrontHeaders,
): CloudFrontHeaders {
  for (const name of ORIGIN_RESPONSE_READ_ONLY_HEADERS) {
    const values = origin[name];
    if (values) generated[name] = values;
    else delete generated[name];
  }
  return generated;
}

function isDisallowed(name: string): boolean {
  return (
    DISALLOWED_HEADERS.includes(name) || DISALLOWED_HEADER_PREFIXES.some((prefix) => name.startsWith(prefix))
  );
}

/**
 * Every way `result` breaks CloudFront's rules for an answer to the origin-response event whose
 * response was `origin` (empty when valid). Returning `origin` itself, untouched, is always valid.
 */
export function originResponseViolations(
  origin: CloudFrontResponse,
  result: CloudFrontResultResponse,
): string[] {
  const violations: string[] = [];
  if (!/^[1-5][0-9][0-9]$/.test(String(result.status)))
    violations.push(`invalid status ${String(result.status)}`);
  const headers = result.headers ?? {};
  const flat: Record<string, string> = Object.create(null);
  for (const [name, values] of Object.entries(headers)) {
    if (name !== name.toLowerCase()) violations.push(`header ${name} is not lower-case`);
    if (!Array.isArray(values) || values.length === 0) {
      violations.push(`header ${name} has no values`);
      continue;
    }
    for (const entry of values) {
      if (typeof entry?.value !== 'string')
        violations.push(`header ${name} has a value that is not a string`);
      if (entry?.key !== undefined && entry.key.toLowerCase() !== name)
        violations.push(`header ${name} carries key ${entry.key}`);
    }
    if (isDisallowed(name)) violations.push(`header ${name} is disallowed`);
    flat[name] = values.map((entry) => entry.value).join(', ');
  }
  for (const name of ORIGIN_RESPONSE_READ_ONLY_HEADERS) {
    if (JSON.stringify(origin.headers[name] ?? null) !== JSON.stringify(headers[name] ?? null))
      violations.push(`read-only header ${name} was added, changed or removed`);
  }
  if (result.body !== undefined) {
    const encoding = result.bodyEncoding ?? 'text';
    if (encoding !== 'text' && encoding !== 'base64') violations.push(`invalid bodyEncoding ${encoding}`);
    const bodyBytes =
      encoding === 'base64'
        ? base64Length(Buffer.from(result.body, 'base64').length)
        : Buffer.byteLength(result.body);
    if (bodyBytes + headersLength(flat) > GENERATED_RESPONSE_LIMIT)
      violations.push(`generated response over ${GENERATED_RESPONSE_LIMIT} bytes`);
  }
  return violations;
}
