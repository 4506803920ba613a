// The real program plus a RolePolicy whose document never resolves while a timer keeps the process busy, so
// only the checker's --timeout can end the run.
import '../../../index';

import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

import { roleName } from './context';

setInterval(() => undefined, 1000);
new aws.iam.RolePolicy('injected-hangs', {
  role: roleName('batch'),
  policy: pulumi.output(new Promise<string>(() => undefined)),
});
