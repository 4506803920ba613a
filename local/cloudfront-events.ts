import type { CloudFrontHeaders, CloudFrontRequest, CloudFrontResponseEvent } from 'aws-lambda';

import type { ViewerEvent } from '../functions/viewer/viewer-request';

/**
 * The events CloudFront gives its functions, built in one place: the local edge builds them from HTTP
 * requests, and the tests build AWS's documented examples with them (test/support/*-event.ts).
 */

type QueryEntry = { value: string; multiValue?: { value: string }[] };
type FunctionHeaders = ViewerEvent['request']['headers'];

/**
 * The request target split as CloudFront sees it: the URI exactly as the viewer sent it (CloudFront does
 * not resolve `..`, `%2e%2e`, `//` or backslashes before the function runs, so neither may the local
 * edge: the viewer function is the one that refuses them) and the raw query string.
 */
export function splitTarget(target: string): { uri: string; query: string } {
  const mark = target.indexOf('?');
  return mark < 0
    ? { uri: target, query: '' }
    : { uri: target.slice(0, mark), query: target.slice(mark + 1) };
}

/** A raw query string as CloudFront Functions see it: raw values, repeats in `multiValue`, no prototype. */
export function cloudFrontQueryString(query: string): Record<string, QueryEntry> {
  const querystring: Record<string, QueryEntry> = Object.create(null);
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    const entry = querystring[name];
    if (!entry) querystring[name] = { value };
    else entry.multiValue = (entry.multiValue ?? [{ value: entry.value }]).concat({ value });
  }
  return querystring;
}

export interface ViewerRequestEventParts {
  readonly uri: string;
  /** Raw query parameters (`cloudFrontQueryString` of the target's query). */
  readonly querystring?: Record<string, QueryEntry>;
  /** Lower-case header names, as CloudFront always gives them. */
  readonly headers?: FunctionHeaders;
  readonly cookies?: Record<string, { value: string }>;
  readonly method?: string;
  readonly viewerIp?: string;
  readonly distributionDomainName?: string;
  readonly distributionId?: string;
  readonly requestId?: string;
}

/**
 * A viewer-request event in the shape "CloudFront Functions event structure" documents
 * (functions-event-structure.html): version 1.0, context, viewer, and the request.
 */
export function viewerRequestEvent(parts: ViewerRequestEventParts): ViewerEvent {
  return {
    version: '1.0',
    context: {
      distributionDomainName: parts.distributionDomainName ?? 'localhost',
      distributionId: parts.distributionId ?? 'LOCAL',
      eventType: 'viewer-request',
      requestId: parts.requestId ?? 'local',
    },
    viewer: { ip: parts.viewerIp ?? '127.0.0.1' },
    request: {
      method: parts.method ?? 'GET',
      uri: parts.uri,
      querystring: parts.querystring ?? Object.create(null),
      headers: parts.headers ?? Object.create(null),
      cookies: parts.cookies ?? Object.create(null),
    },
  };
}

export interface OriginResponseEventParts {
  readonly uri: string;
  readonly requestHeaders: CloudFrontHeaders;
  /** The origin's status, as CloudFront passes it: a string. */
  readonly status: string;
  readonly statusDescription: string;
  readonly responseHeaders: CloudFrontHeaders;
  readonly clientIp?: string;
  readonly origin?: CloudFrontRequest['origin'];
  readonly distributionDomainName?: string;
  readonly distributionId?: string;
  readonly requestId?: string;
}

/**
 * An origin-response event in the shape "Lambda@Edge event structure" documents for response events
 * (lambda-event-structure.html): one record with the config, the request sent to the origin and its answer.
 */
export function originResponseEvent(parts: OriginResponseEventParts): CloudFrontResponseEvent {
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: parts.distributionDomainName ?? 'localhost',
            distributionId: parts.distributionId ?? 'LOCAL',
            eventType: 'origin-response',
            requestId: parts.requestId ?? 'local',
          },
          request: {
            clientIp: parts.clientIp ?? '127.0.0.1',
            headers: parts.requestHeaders,
            method: 'GET',
            ...(parts.origin ? { origin: parts.origin } : {}),
            querystring: '',
            uri: parts.uri,
          },
          response: {
            headers: parts.responseHeaders,
            status: parts.status,
            statusDescription: parts.statusDescription,
          },
        },
      },
    ],
  };
}

/** Flat header values as the CloudFront Functions `{ value }` map (no prototype: names are request input). */
export function functionHeaders(values: Record<string, string>): FunctionHeaders {
  const headers: FunctionHeaders = Object.create(null);
  for (const [name, value] of Object.entries(values)) headers[name] = { value };
  return headers;
}
