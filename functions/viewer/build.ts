import { join } from 'node:path';

import { buildSync } from 'esbuild';

import { runtimeViolations } from './runtime-check';
import type { ViewerConfig } from './viewer-config';

/** CloudFront Functions' code size limit. */
export const VIEWER_CODE_LIMIT = 10_240;

/**
 * Syntax the cloudfront-js-2.0 runtime lacks (it is ES5.1 plus let/const, arrow functions, template
 * literals, rest parameters and async/await). esbuild lowers these or fails the build, so code the
 * runtime cannot parse never ships.
 */
const UNSUPPORTED_SYNTAX = {
  class: false,
  destructuring: false,
  'for-of': false,
  'object-rest-spread': false,
  'object-extensions': false,
  'optional-chain': false,
  'nullish-coalescing': false,
  'optional-catch-binding': false,
  'default-argument': false,
  'array-spread': false,
  generator: false,
  'logical-assignment': false,
  'exponent-operator': true,
  'rest-argument': true,
} as const;

/** esbuild's minified import statements, e.g. `import ge from"cloudfront";`. */
const IMPORT_STATEMENT = /import\s*[\w$]+\s*from\s*"[^"]+";?/g;

/**
 * The runtime's imports as the first lines, as AWS's examples have them (`import cf from 'cloudfront'`,
 * "Helper methods for origin modification"): esbuild emits the baked-in config (`define`) first.
 */
function importsFirst(code: string): string {
  const imports = code.match(IMPORT_STATEMENT) ?? [];
  return (
    imports.map((statement) => statement.replace(/;?$/, ';\n')).join('') + code.replace(IMPORT_STATEMENT, '')
  );
}

/**
 * Builds the viewer-request function with `config` baked in, as one script whose top-level
 * `handler(event)` CloudFront calls. Its only imports are the runtime's `cloudfront` (and `crypto`).
 */
export function buildViewerFunction(config: ViewerConfig): string {
  const result = buildSync({
    entryPoints: [join(__dirname, 'viewer-request.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    external: ['cloudfront', 'crypto'],
    define: { __VIEWER_CONFIG__: JSON.stringify(config) },
    target: 'es2016',
    supported: UNSUPPORTED_SYNTAX,
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const code = (result.outputFiles[0] as { text: string }).text;
  // CloudFront calls a top-level `function handler`; the runtime has no `export`, so the bundle's
  // (minified) export becomes that function.
  const exported = /export\s*\{\s*([\w$]+)\s+as\s+handler\s*\};?\s*$/.exec(code);
  if (!exported) throw new Error('viewer function: the bundle does not export handler');
  const body = code.slice(0, exported.index) + `function handler(event){return ${exported[1]}(event)}\n`;
  const script = importsFirst(body);
  const violations = runtimeViolations(script);
  if (violations.length > 0) {
    throw new Error(`viewer function: cloudfront-js-2.0 would refuse ${violations.join('; ')}`);
  }
  const size = Buffer.byteLength(script);
  if (size > VIEWER_CODE_LIMIT) {
    throw new Error(
      `viewer function is ${size} bytes, over CloudFront Functions' ${VIEWER_CODE_LIMIT}-byte limit`,
    );
  }
  return script;
}
