// Names the real program gave its resources, read from its outputs (bucket and edge names carry the
// deployment's random part), so an injected resource can point at them.
import * as pulumi from '@pulumi/pulumi';

import { batchFunctionName, edgeFunctionQualifiedArn, originalsBucketName } from '../../../index';

/** Each function's role is named after the function. */
const edgeFunctionName = edgeFunctionQualifiedArn.apply((arn) => arn.split(':')[6]!);

export const originalsBucket = (): pulumi.Output<string> => originalsBucketName;
export const roleName = (part: 'edge' | 'batch'): pulumi.Output<string> =>
  part === 'edge' ? edgeFunctionName : batchFunctionName;
export const roleArn = (part: 'edge' | 'batch'): pulumi.Output<string> =>
  pulumi.interpolate`arn:aws:iam::123456789012:role/${roleName(part)}`;
