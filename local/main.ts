/**
 * `npm start [-- <options>]`: the local edge. The same viewer function and origin-response handler as in
 * the cloud, on an S3-compatible server on this machine. `npm start -- --help` lists the options.
 */
import { parseArgs } from 'node:util';

import { signUrl } from '../functions/signing/sign-url';
import {
  DEFAULT_CONCURRENT_TRANSFORMS,
  DEFAULT_REPLICATION_LAG_MS,
  LOCAL_BUCKETS,
  startLocalStack,
} from './stack';

const OPTIONS = {
  port: { type: 'string', default: '3000', help: 'port of the CDN (0 picks a free one)' },
  originals: { type: 'string', help: 'serve your own images from this folder (subfolders included)' },
  watch: {
    type: 'boolean',
    default: false,
    help: 'upload files added or changed in --originals while running',
  },
  'signing-secret': {
    type: 'string',
    help: 'require signed URLs, signed with this secret (or IMAGE_CDN_SIGNING_SECRET)',
  },
  'cache-mb': { type: 'string', default: '128', help: 'size of the CDN cache in megabytes (LRU)' },
  transforms: {
    type: 'string',
    default: String(DEFAULT_CONCURRENT_TRANSFORMS),
    help: 'transforms run at once; the rest queue',
  },
  regions: {
    type: 'string',
    help: 'run several regions, home first (e.g. us-west-2,eu-west-1): one store each, replicated originals, origin failover',
  },
  'edge-region': { type: 'string', help: 'the region the edge handler runs in (default: the home region)' },
  'replication-lag-ms': {
    type: 'string',
    default: String(DEFAULT_REPLICATION_LAG_MS),
    help: 'how long replication takes to reach the replicas',
  },
  quiet: { type: 'boolean', default: false, help: "don't print a log line per request" },
  help: { type: 'boolean', default: false, help: 'print this help' },
} as const;

const USAGE = [
  'usage: npm start -- [options]',
  '',
  'options:',
  ...Object.entries(OPTIONS).map(([name, option]) => {
    const flag = `--${name}${option.type === 'string' ? ' <value>' : ''}`;
    const fallback = 'default' in option && option.type === 'string' ? ` (default ${option.default})` : '';
    return `  ${flag.padEnd(26)}${option.help}${fallback}`;
  }),
  '',
  'examples:',
  '  npm start',
  '  npm start -- --port 8080 --originals ~/Pictures --watch',
  '  npm start -- --signing-secret "$(openssl rand -hex 16)"',
  '  npm start -- --regions us-west-2,eu-west-1 --edge-region eu-west-2',
].join('\n');

/** npm keeps `npm start --port 8080` (no `--`) for itself and sets npm_config_port instead. */
function swallowedByNpm(): string[] {
  return Object.keys(OPTIONS)
    .filter((name) => process.env[`npm_config_${name.replace(/-/g, '_')}`] !== undefined)
    .map((name) => `--${name}`);
}

/** A comma-separated list of AWS region codes (`us-west-2,eu-west-1`). */
function regionList(name: string, value: string): string[] {
  const regions = value.split(',').map((region) => region.trim());
  for (const region of regions)
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
      throw new Error(`--${name} must list AWS region codes such as us-west-2,eu-west-1, got "${region}"`);
  const twice = regions.find((region, index) => regions.indexOf(region) !== index);
  if (twice) throw new Error(`--${name} lists ${twice} twice`);
  return regions;
}

function wholeNumber(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max)
    throw new Error(`--${name} must be a whole number from ${min} to ${max}, got ${value}`);
  return number;
}

async function main() {
  // The AWS SDK warns that its 2027 releases need Node 22; that is not news to someone trying the demo.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const swallowed = swallowedByNpm();
  if (swallowed.length > 0) {
    throw new Error(
      `npm kept ${swallowed.join(', ')} for itself: put -- before the options, e.g. npm start -- ${swallowed[0]} …`,
    );
  }
  const { values } = parseArgs({
    options: Object.fromEntries(
      Object.entries(OPTIONS).map(([name, { type, ...rest }]) => [
        name,
        'default' in rest ? { type, default: rest.default } : { type },
      ]),
    ) as { [K in keyof typeof OPTIONS]: { type: (typeof OPTIONS)[K]['type'] } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = wholeNumber('port', String(values.port), 0, 65535);
  const cacheMb = wholeNumber('cache-mb', String(values['cache-mb']), 0);
  const transforms = wholeNumber('transforms', String(values.transforms), 1);
  if (values.watch && !values.originals) throw new Error('--watch needs --originals <dir>');
  const regions = values.regions === undefined ? undefined : regionList('regions', String(values.regions));
  const edgeRegion =
    values['edge-region'] === undefined
      ? undefined
      : regionList('edge-region', String(values['edge-region']))[0];
  const replicationLagMs = wholeNumber('replication-lag-ms', String(values['replication-lag-ms']), 0);
  const signingSecret =
    (values['signing-secret'] as string | undefined) ?? process.env.IMAGE_CDN_SIGNING_SECRET;

  const stack = await startLocalStack({
    port,
    originalsDir: values.originals as string | undefined,
    watch: values.watch === true,
    signingSecret,
    regions,
    edgeRegion,
    replicationLagMs,
    cacheBytes: cacheMb * 1024 * 1024,
    maxConcurrentTransforms: transforms,
    progress: (message) => console.log(`local edge: ${message}`),
    log: values.quiet ? () => {} : (entry) => console.log(JSON.stringify(entry)),
  });
  const path = stack.keys[0] ? `/${stack.keys[0]}?width=400&format=auto` : '/';
  const example = stack.url + (signingSecret && stack.keys[0] ? signUrl(path, signingSecret) : path);
  const { accessKeyId, secretAccessKey } = stack.s3.credentials;
  console.log(
    [
      `local edge: ready at ${stack.url}  (demo page)`,
      `local edge: try ${example}`,
      `local edge: upload by hand: AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} ` +
        `aws --endpoint-url ${stack.s3.endpoint} s3 cp photo.jpg s3://${LOCAL_BUCKETS.originals}/photo.jpg`,
      ...(stack.regions.length > 1
        ? [
            `local edge: regions ${stack.regions.map((region, index) => (index === 0 ? `${region.region} (home)` : region.region)).join(', ')}; ` +
              `the edge handler runs in ${edgeRegion ?? stack.regions[0]!.region}`,
            `local edge: take a region down: curl -X POST '${stack.url}/_local/outage?region=${stack.regions[0]!.region}' (curl -X DELETE brings it back)`,
          ]
        : []),
      'local edge: Ctrl-C to stop',
    ].join('\n'),
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log('\nlocal edge: stopping');
    stack.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`local edge: could not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`local edge: ${(error as Error).message} (npm start -- --help lists the options)`);
  process.exit(1);
});
