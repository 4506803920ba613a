// The real program plus a pulumi.log.error, which fails `pulumi preview` even though every resource registers.
import '../../../index';

import * as pulumi from '@pulumi/pulumi';

// pulumi.log.error resolves once the engine has the message; the program ends either way.
void pulumi.log.error('injected: this stack must not be deployed');
