// The real program plus a second edge function (tagged as edge, in us-east-1, on the edge role) that
// does not publish versions.
import '../../../index';

import * as aws from '@pulumi/aws';

import { roleArn } from './context';

const useEast1 = new aws.Provider('injected-us-east-1', { region: 'us-east-1' });
new aws.lambda.Function(
  'injected-edge',
  {
    name: 'injected-edge',
    role: roleArn('edge'),
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    architectures: ['x86_64'],
    publish: false,
    tags: { 'lambda-edge': 'true' },
  },
  { provider: useEast1 },
);
