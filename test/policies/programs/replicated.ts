// The real program's component with two replica regions and Replication Time Control (issue 13).
import { loadSigningSecret, loadStackSettings } from '../../../infra/config';
import { ImageCdn } from '../../../infra/image-cdn';

new ImageCdn('image-cdn', {
  ...loadStackSettings(),
  signingSecret: loadSigningSecret(),
  replicaRegions: ['eu-west-1', 'ap-northeast-1'],
  replicationTimeControl: true,
});
