import { join } from 'node:path';

import { buildSync } from 'esbuild';
import { minify_sync } from 'terser';

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

/** Property names only this bundle reads and writes, so terser may shorten them. */
const INTERNAL_PROPERTIES =
  /^(names|token|kind|low|high|words|list|step|field|originalKey|spec|rules|maxWidth|maxHeight|maxPixels|allowedWidths|maxDpr|enableAvif|defaultQuality|maxKeyBytes|presets|originalsOriginId|errorMaxAge|signingSecret)$/;

/**
 * A second minification pass: terser's compressor (several passes) finds about 4% more than esbuild's
 * minifier, room the 10 KB limit needs. The runtime check below still reads what it writes.
 */
function compact(code: string): string {
  const result = minify_sync(code, {
    module: true,
    // ES5 output: no shorthand properties or other ES2015 forms terser would otherwise introduce.
    ecma: 5,
    compress: { passes: 3 },
    // Properties that never leave the bundle (the parameter table's, the rules', a parsed key's): the
    // event, the response and the runtime's objects keep their names.
    mangle: { properties: { regex: INTERNAL_PROPERTIES, builtins: true } },
  });
  if (!result.code) throw new Error('viewer function: terser produced no code');
  return result.code;
}

/**
 * Builds the viewer-request function with `config` baked in, as one script whose top-level
 * `handler(event)` CloudFront calls. Its only imports are the runtime's `cloudfront` (and `crypto`).
 */
export function buildViewerFunction(config: ViewerConfig): string {
  // Presets travel as JSON text (viewer-request.ts): their names are the stack's, and terser's property
  // renaming (INTERNAL_PROPERTIES) would rename a preset called `spec` or `list` in an object literal.
  const { presets, ...rules } = config.rules;
  const hasPresets = Object.keys(presets || {}).length > 0;
  const result = buildSync({
    entryPoints: [join(__dirname, 'viewer-request.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    external: ['cloudfront', 'crypto'],
    define: {
      __VIEWER_CONFIG__: JSON.stringify({ ...config, rules }),
      __SIGNED__: String(Boolean(config.signingSecret)),
      __PRESETS__: String(hasPresets),
      __PRESETS_JSON__: JSON.stringify(JSON.stringify(hasPresets ? presets : {})),
    },
    target: 'es2016',
    supported: UNSUPPORTED_SYNTAX,
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const code = compact((result.outputFiles[0] as { text: string }).text);
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
