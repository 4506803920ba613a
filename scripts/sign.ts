/**
 * `npm run sign -- "/photos/cat.jpg?width=400&format=auto" [--expires 3600] [--secret S]`
 * prints the signed URL. The secret comes from --secret or IMAGE_CDN_SIGNING_SECRET.
 */
import { parseArgs } from 'node:util';

import { signUrl } from '../functions/signing/sign-url';

const USAGE = `usage: npm run sign -- "<path?query>" [--expires <seconds>] [--secret <secret>]

Prints the URL signed for a stack or local edge that requires signed URLs (image-cdn:signingSecret).

options:
  --expires <seconds>  the URL stops working this many seconds from now (default: never)
  --secret <secret>    the signing secret (default: IMAGE_CDN_SIGNING_SECRET)
  -h, --help           print this help

example:
  IMAGE_CDN_SIGNING_SECRET=… npm run sign -- "/photos/cat.jpg?width=400&format=auto" --expires 3600`;

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      expires: { type: 'string' },
      secret: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [target] = positionals;
  const secret = values.secret ?? process.env.IMAGE_CDN_SIGNING_SECRET;
  if (!target || !target.startsWith('/')) throw new Error('give the path and query to sign, starting with /');
  if (!secret) throw new Error('no secret: pass --secret or set IMAGE_CDN_SIGNING_SECRET');
  const expiresIn = values.expires === undefined ? undefined : Number(values.expires);
  if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn > 0)) {
    throw new Error(`--expires must be a whole number of seconds, got ${values.expires}`);
  }
  console.log(signUrl(target, secret, { expiresIn }));
}

try {
  main();
} catch (error) {
  console.error(`sign: ${(error as Error).message}\n${USAGE}`);
  process.exit(1);
}
