// Names the real program gives its resources, so an injected resource can point at them.
import * as pulumi from '@pulumi/pulumi';
import { bucketName, resourceName } from '../../../infra/names';

const context = () => ({
  project: pulumi.getProject(),
  stack: pulumi.getStack(),
  region: new pulumi.Config('aws').require('region'),
});

export const originalsBucket = () => bucketName(context(), 'originals');
export const roleArn = (part: 'edge' | 'batch') =>
  `arn:aws:iam::123456789012:role/${resourceName(context(), part)}`;
export const roleName = (part: 'edge' | 'batch') => resourceName(context(), part);
