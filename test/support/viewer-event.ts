import type { ViewerEvent } from '../../functions/viewer/viewer-request';
import { cloudFrontQueryString, splitTarget, viewerRequestEvent } from '../../local/cloudfront-events';

type QueryString = ViewerEvent['request']['querystring'];
type Headers = ViewerEvent['request']['headers'];

/**
 * A viewer-request event as "CloudFront Functions event structure" (functions-event-structure.html)
 * shows it: version 1.0, context, viewer, and a request with lower-case headers, query parameters as
 * `{ value, multiValue? }` and cookies; only the URI, query string and headers are the caller's.
 */
export function documentedViewerEvent(
  uri: string,
  querystring: QueryString = {},
  headers: Headers = {},
): ViewerEvent {
  return viewerRequestEvent({
    uri,
    querystring,
    headers: {
      host: { value: 'video.example.com' },
      'user-agent': { value: 'Mozilla/4.0 (compatible; MSIE 5.0; Windows 98)' },
      ...headers,
    },
    cookies: { id: { value: 'CookieIdValue' }, loggedIn: { value: 'false' } },
    distributionDomainName: 'd111111abcdef8.cloudfront.net',
    distributionId: 'EDFDVBD6EXAMPLE',
    requestId: 'EXAMPLEntjQpEXAMPLE_SG5Z-EXAMPLEPmPfEXAMPLEu3EqEXAMPLE==',
    viewerIp: '198.51.100.11',
  });
}

/** The documented event for `/path?query` as sent (raw values, repeats in multiValue), with `headers`. */
export function viewerEventFor(target: string, headers: Record<string, string> = {}): ViewerEvent {
  const { uri, query } = splitTarget(target);
  const values: Headers = {};
  for (const [name, value] of Object.entries(headers)) values[name] = { value };
  return documentedViewerEvent(uri, { ...cloudFrontQueryString(query) }, values);
}
