/**
 * `npm start [-- --port <n> --originals <dir>]`: the local edge. The same viewer function and
 * origin-response handler as in the cloud, on an S3-compatible server on this machine.
 */
import { parseArgs } from 'node:util';
import { startLocalStack } from './stack';

const USAGE =
  'usage: npm start -- [--port <n>] [--originals <dir>] [--signing-secret <s>] [--cache-mb <n>] [--transforms <n>] [--quiet]';

async function main() {
  // The AWS SDK warns that its 2027 releases need Node 22; that is not news to someone trying the demo.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '3000' },
      originals: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'signing-secret': { type: 'string' },
      'cache-mb': { type: 'string', default: '128' },
      transforms: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  const cacheMb = Number(values['cache-mb']);
  if (!(cacheMb >= 0)) throw new Error(`--cache-mb must be a number of megabytes, got ${values['cache-mb']}`);
  const transforms = values.transforms === undefined ? undefined : Number(values.transforms);
  if (transforms !== undefined && !(Number.isInteger(transforms) && transforms >= 1))
    throw new Error(`--transforms must be a whole number of at least 1, got ${values.transforms}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);

  const stack = await startLocalStack({
    port,
    originalsDir: values.originals,
    signingSecret: values['signing-secret'] ?? process.env.IMAGE_CDN_SIGNING_SECRET,
    cacheBytes: cacheMb * 1024 * 1024,
    maxConcurrentTransforms: transforms,
    progress: (message) => console.log(`local edge: ${message}`),
    log: values.quiet ? () => {} : (entry) => console.log(JSON.stringify(entry)),
  });
  const example = stack.keys[0] ? `${stack.url}/${stack.keys[0]}?width=400&format=auto` : stack.url;
  console.log(
    `local edge: ready at ${stack.url}  (demo page)\nlocal edge: try ${example}\nlocal edge: Ctrl-C to stop`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nlocal edge: stopping');
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`local edge: ${(error as Error).message}\n${USAGE}`);
  process.exit(1);
});
