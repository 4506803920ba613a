// An existing Pulumi program adding an image CDN to what it already has: here, the pages of a website kept
// in its own S3 bucket, whose pictures are served by an ImageCdn in responsive sizes. In your program the
// import is `from 'image-cdn'` (docs/component.md); this example lives in the repository, so it imports
// the same module by path. The tests run it under mocks with the same assertions as index.ts.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { imageUrl, srcSet } from '../../client/image-url';
import { ImageCdn, loadStackSettings } from '../../infra/public';

// The component's settings are the stack config keys (`pulumi config set image-cdn:maxWidth 2048` works
// here too); values given in code take precedence.
const images = new ImageCdn('images', {
  ...loadStackSettings(),
  batchRenditions: ['width=320&format=webp', 'width=640&format=webp', 'width=1280&format=webp'],
});

// The site's own bucket, private: a real site serves it through its own distribution (not shown).
const site = new aws.s3.Bucket('site');
new aws.s3.BucketPublicAccessBlock('site', {
  bucket: site.id,
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
});

const base = pulumi.interpolate`https://${images.distributionDomainName}`;
const page = base.apply(
  (origin) => `<!doctype html>
<title>Our cat</title>
<img src="${imageUrl(origin, '/photos/cat.jpg', { width: 640, format: 'auto' })}"
     srcset="${srcSet(origin, '/photos/cat.jpg', [320, 640, 1280], { format: 'auto' })}"
     sizes="(max-width: 700px) 100vw, 640px" alt="Our cat">
`,
);
new aws.s3.BucketObject('site-index', {
  bucket: site.id,
  key: 'index.html',
  contentType: 'text/html; charset=utf-8',
  content: page,
});

export const siteBucket = site.bucket;
export const imageDomain = images.distributionDomainName;
export const uploadImagesTo = images.originalsBucketName;
/** Every public Output field of the component, by name: the tests hold its registered outputs to these. */
export const imageCdnPublicFields = pulumi.output(
  Object.entries(images)
    .filter(([key, value]) => key !== 'urn' && pulumi.Output.isInstance(value))
    .map(([key]) => key)
    .sort(),
);
