// The image CDN as a Pulumi program: read the stack's config, build one ImageCdn, export its outputs.
// Other programs use the component directly (`import { ImageCdn } from 'image-cdn'`): see docs/component.md.
import { loadSigningSecret, loadStackSettings } from './infra/config';
import { ImageCdn } from './infra/image-cdn';

const cdn = new ImageCdn('image-cdn', {
  ...loadStackSettings(),
  signingSecret: loadSigningSecret(),
  // This program built the same resources at the top level before ImageCdn existed: keep their URNs.
  adoptTopLevelResources: true,
});

export const distributionDomainName = cdn.distributionDomainName;
export const distributionId = cdn.distributionId;
export const originalsBucketName = cdn.originalsBucketName;
export const derivativesBucketName = cdn.derivativesBucketName;
export const edgeFunctionQualifiedArn = cdn.edgeFunctionQualifiedArn;
export const batchFunctionName = cdn.batchFunctionName;
export const sharpLayerArn = cdn.sharpLayerArn;
export const exampleImageUrl = cdn.exampleImageUrl;
export const originalsBucketPolicy = cdn.originalsBucketPolicy;
