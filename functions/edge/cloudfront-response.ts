import type { CloudFrontHeaders, CloudFrontResultResponse } from 'aws-lambda';

/** CloudFront's header shape: lower-case names, each a list of `{key, value}` (no prototype: names may be input). */
export function toCloudFrontHeaders(headers: Record<string, string>): CloudFrontHeaders {
  const result: CloudFrontHeaders = Object.create(null);
  for (const [name, value] of Object.entries(headers)) {
    const key = name.replace(
      /(^|-)([a-z])/g,
      (_m, dash: string, letter: string) => dash + letter.toUpperCase(),
    );
    result[name.toLowerCase()] = [{ key, value }];
  }
  return result;
}

/** A generated response; a text body when given. */
export function respond(
  status: number,
  description: string,
  headers: Record<string, string>,
  body?: string,
): CloudFrontResultResponse {
  const response: CloudFrontResultResponse = {
    status: String(status),
    statusDescription: description,
    headers: toCloudFrontHeaders(headers),
  };
  if (body !== undefined) {
    response.body = body;
    response.bodyEncoding = 'text';
  }
  return response;
}
