// The CrossGuard pack served to `pulumi preview --policy-pack policies`. Constructing a PolicyPack starts the
// analyzer's gRPC server (one per process), so nothing but the CLI imports this file; tests and the offline
// checker import ./rules/all instead.
import { PolicyPack } from '@pulumi/policy';

import { allPolicies } from './rules/all';

new PolicyPack('image-cdn-policies', {
  description: 'Least-privilege IAM, private S3 origins and Lambda@Edge constraints for the image CDN.',
  policies: allPolicies,
});
