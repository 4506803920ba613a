import type { CloudFrontResponseEvent } from 'aws-lambda';

/** An origin-response event as the Lambda@Edge docs show it, for an S3 origin answering `status`. */
export function originResponseEvent(uri: string, status: string): CloudFrontResponseEvent {
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: 'd111111abcdef8.cloudfront.net',
            distributionId: 'EDFDVBD6EXAMPLE',
            eventType: 'origin-response',
            requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
          },
          request: {
            clientIp: '203.0.113.178',
            headers: { host: [{ key: 'Host', value: 'derivatives.s3.us-east-1.amazonaws.com' }] },
            method: 'GET',
            querystring: '',
            uri,
          },
          response: {
            headers: {
              'x-amz-request-id': [{ key: 'x-amz-request-id', value: 'EXAMPLE' }],
              'content-type': [{ key: 'Content-Type', value: 'application/xml' }],
              server: [{ key: 'Server', value: 'AmazonS3' }],
            },
            status,
            statusDescription: status === '404' ? 'Not Found' : status === '403' ? 'Forbidden' : 'OK',
          },
        },
      },
    ],
  };
}
