// The real program plus a pulumi.log.error, which fails `pulumi preview` even though every resource registers.
import * as pulumi from '@pulumi/pulumi';
import '../../../index';

pulumi.log.error('injected: this stack must not be deployed');
