// The real program plus a RolePolicy whose document is an Output that never resolves (a promise nobody settles).
import '../../../index';

import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { roleName } from './context';

new aws.iam.RolePolicy('injected-never-resolves', {
  role: roleName('batch'),
  policy: pulumi.output(new Promise<string>(() => undefined)),
});
