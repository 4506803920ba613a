import type { CloudFrontOrigin } from 'aws-lambda';

import type { EdgeConfig } from './edge-config';

/**
 * The stack region whose derivatives bucket CloudFront asked, read from the origin in the event's
 * request; undefined for the home region (and for an origin the config does not know).
 *
 * With replica regions, the default cache behaviour targets an origin group: CloudFront asks the home
 * derivatives bucket and, when it answers 500, 502, 503 or 504 or cannot be reached, the first replica
 * region's ("Optimize high availability with CloudFront origin failover"; the origin-response trigger runs
 * for each origin tried, "Use origin failover with Lambda@Edge functions"). A derivative made for the
 * secondary is written to the secondary's bucket: the home region is the one failing.
 *
 * An S3 origin's `domainName` is the bucket's regional domain, `<bucket>.s3.<region>.amazonaws.com`
 * ("Lambda@Edge event structure", origin-response events: `request.origin.s3.domainName`).
 */
export function answeringRegion(
  origin: CloudFrontOrigin | undefined,
  config: EdgeConfig,
): string | undefined {
  const domain = origin?.s3?.domainName;
  if (!domain) return undefined;
  const replica = (config.replicas ?? []).find((entry) => domain.startsWith(`${entry.derivativesBucket}.`));
  return replica?.region;
}
