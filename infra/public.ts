// What the package exports to other Pulumi programs (package.json "exports" "."): the component, its
// args and outputs, and the readers of a stack's `image-cdn:` config for programs that keep using it.
export { loadSigningSecret, loadStackSettings } from './config/load';
export {
  IMAGE_CDN_OUTPUTS,
  ImageCdn,
  type ImageCdnArgs,
  type ImageCdnOutput,
  type ImageCdnSettings,
} from './image-cdn';
