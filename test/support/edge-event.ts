import type { CloudFrontHeaders, CloudFrontResponseEvent } from 'aws-lambda';

import { originResponseEvent as buildOriginResponseEvent } from '../../local/cloudfront-events';

/**
 * The origin-response event of AWS's documentation ("Lambda@Edge event structure", section "Response
 * events", example origin response: lambda-event-structure.html), field for field, with only the URI
 * and the origin's answer replaced: here the origin is the derivatives bucket answering `status`.
 */
export function documentedOriginResponseEvent(
  uri: string,
  status: string,
  responseHeaders: CloudFrontHeaders,
): CloudFrontResponseEvent {
  return buildOriginResponseEvent({
    uri,
    distributionDomainName: 'd111111abcdef8.cloudfront.net',
    distributionId: 'EDFDVBD6EXAMPLE',
    requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
    clientIp: '203.0.113.178',
    requestHeaders: {
      'x-forwarded-for': [{ key: 'X-Forwarded-For', value: '203.0.113.178' }],
      'user-agent': [{ key: 'User-Agent', value: 'Amazon CloudFront' }],
      via: [{ key: 'Via', value: '2.0 8f22423015641505b8c857a37450d6c0.cloudfront.net (CloudFront)' }],
      host: [{ key: 'Host', value: 'example.org' }],
      'cache-control': [{ key: 'Cache-Control', value: 'no-cache, cf-no-cache' }],
    },
    origin: {
      custom: {
        customHeaders: {},
        domainName: 'example.org',
        keepaliveTimeout: 5,
        path: '',
        port: 443,
        protocol: 'https',
        readTimeout: 30,
        sslProtocols: ['TLSv1', 'TLSv1.1', 'TLSv1.2'],
      },
    },
    status,
    statusDescription: status === '404' ? 'Not Found' : status === '403' ? 'Forbidden' : 'OK',
    responseHeaders,
  });
}

/**
 * The headers S3 sends with a 403/404 error (an XML body, chunked; "Error responses" in the S3 API
 * reference), as CloudFront passes them on, with the read-only `transfer-encoding` and `via` that an
 * answer must keep ("Restrictions on all edge functions").
 */
export function s3ErrorHeaders(): CloudFrontHeaders {
  return {
    'x-amz-request-id': [{ key: 'x-amz-request-id', value: 'EXAMPLE6E8B2C9A1' }],
    'x-amz-id-2': [{ key: 'x-amz-id-2', value: 'EXAMPLEhOxHz2dQ5jHvWJ1GHBQiIfWEGkfQ0Tc=' }],
    'content-type': [{ key: 'Content-Type', value: 'application/xml' }],
    'transfer-encoding': [{ key: 'Transfer-Encoding', value: 'chunked' }],
    date: [{ key: 'Date', value: 'Mon, 13 Jan 2020 20:12:38 GMT' }],
    server: [{ key: 'Server', value: 'AmazonS3' }],
    via: [{ key: 'Via', value: '1.1 8f22423015641505b8c857a37450d6c0.cloudfront.net (CloudFront)' }],
  };
}

/** The documented event for a derivatives bucket answering `status` with S3's own error headers. */
export function originResponseEvent(uri: string, status: string): CloudFrontResponseEvent {
  return documentedOriginResponseEvent(uri, status, s3ErrorHeaders());
}

/**
 * The documented event with an S3 origin instead of the example's custom one: `request.origin.s3`, whose
 * `domainName` is the bucket's regional domain, as a distribution's S3 origin names it ("Lambda@Edge event
 * structure", request `origin` field). With OAC, CloudFront signs the request itself: `authMethod` none.
 */
export function s3OriginResponseEvent(
  uri: string,
  status: string,
  bucket: string,
  region: string,
): CloudFrontResponseEvent {
  const event = originResponseEvent(uri, status);
  event.Records[0]!.cf.request.origin = {
    s3: {
      authMethod: 'none',
      customHeaders: {},
      domainName: `${bucket}.s3.${region}.amazonaws.com`,
      path: '',
    },
  };
  return event;
}
