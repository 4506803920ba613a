/**
 * `npm run sign -- "/photos/cat.jpg?width=400&format=auto" [--expires 3600] [--secret S]`
 * prints the signed URL. The secret comes from --secret or IMAGE_CDN_SIGNING_SECRET.
 */
import { parseArgs } from 'node:util';
import { signUrl } from '../functions/signing/sign-url';

const USAGE = 'usage: npm run sign -- "<path?query>" [--expires <seconds>] [--secret <secret>]';

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { expires: { type: 'string' }, secret: { type: 'string' } },
  });
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
