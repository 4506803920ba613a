// Generates Pulumi.yaml's `config:` block, docs/configuration.md, the README's configuration table and the
// ImageCdn component's typed settings (infra/image-cdn-settings.ts) from the one declaration of every key,
// infra/config/schema.ts. Run after changing a key:
//
//   npm run config:docs            (writes the four)
//   npm run config:docs -- --check (exits 1 when one is stale; test/infra/config.test.ts checks the same)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import yaml from 'js-yaml';
import * as prettier from 'prettier';

import { CONFIG_KEYS, CONFIG_NAMESPACE, CONFIG_SCHEMA, type KeyDeclaration } from '../infra/config/schema';

const root = join(__dirname, '..');
export const PROJECT_FILE = join(root, 'Pulumi.yaml');
export const DOC_FILE = join(root, 'docs', 'configuration.md');
export const SETTINGS_FILE = join(root, 'infra', 'image-cdn-settings.ts');

const bounds = (declared: KeyDeclaration): string | undefined =>
  'min' in declared ? `${declared.min}-${declared.max}` : undefined;

/**
 * Each declared key in declaration order, with `heading` set on the first key of each group: the one
 * walk of the generated Pulumi.yaml block, docs and settings (`skip` leaves keys out, and their headings).
 */
function* keysByGroup(skip: (declared: KeyDeclaration) => boolean = () => false) {
  let group = '';
  for (const key of CONFIG_KEYS) {
    const declared: KeyDeclaration = CONFIG_SCHEMA[key];
    if (skip(declared)) continue;
    const heading = declared.group !== group ? declared.group : undefined;
    group = declared.group;
    yield { key, declared, heading };
  }
}

/** The description Pulumi.yaml carries: the text, the bounds, and what a derived default follows. */
function yamlDescription(declared: KeyDeclaration): string {
  const parts = [declared.description];
  const range = bounds(declared);
  if (range) parts.push(declared.type === 'array' ? `Items ${range}.` : `Range ${range}.`);
  if (declared.derived)
    parts.push(`${declared.type === 'array' ? 'Empty' : '0'} (the default) = ${declared.derived}.`);
  return parts.join(' ');
}

/** The `config:` block, one key per declaration, grouped under comments. */
export function renderConfigBlock(): string {
  const lines = [
    'config:',
    `  # Generated from infra/config/schema.ts by \`npm run config:docs\`: edit the schema, not this block.`,
  ];
  for (const { key, declared, heading } of keysByGroup()) {
    if (heading) lines.push(`  # ${heading}`);
    const entry: Record<string, unknown> = { type: declared.type };
    if (declared.type === 'array') entry.items = { type: declared.items };
    entry.default = declared.default;
    entry.description = yamlDescription(declared);
    const text = yaml.dump({ [key]: entry }, { lineWidth: -1, flowLevel: 3 });
    lines.push(
      ...text
        .trimEnd()
        .split('\n')
        .map((line) => `  ${line}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The keys `pulumi new` asks a new user for (Pulumi.yaml `template.config`, "Creating templates" in the
 * Pulumi docs): the home region, and the CloudFront price class that decides the bill. A template's
 * default is a string (ProjectTemplateConfigValue.Default), which `pulumi new` stores as the stack's
 * value: only string keys are asked, so the stored value passes the project's typed config.
 */
export const TEMPLATE_KEYS = ['priceClass'] as const;

/** The `template:` block: what `pulumi new <repository URL>` shows and asks, descriptions from the schema. */
export function renderTemplateBlock(): string {
  const config: Record<string, { description: string; default: string }> = {
    'aws:region': {
      description:
        'Home region of the buckets and the batch resizer (the edge function is always in us-east-1).',
      default: 'us-west-2',
    },
  };
  for (const key of TEMPLATE_KEYS) {
    const declared: KeyDeclaration = CONFIG_SCHEMA[key];
    config[`${CONFIG_NAMESPACE}:${key}`] = {
      description: yamlDescription(declared),
      default: String(declared.default),
    };
  }
  const template = {
    displayName: 'Image CDN on AWS',
    description: 'On-demand image resizing behind CloudFront: S3, Lambda@Edge with sharp, a batch resizer.',
    quickstart: 'Run `npm ci && npm run build`, then `pulumi up`. docs/configuration.md lists every key.',
    config,
  };
  const text = yaml.dump({ template }, { lineWidth: -1, flowLevel: 4 });
  return `# Generated from infra/config/schema.ts by \`npm run config:docs\`: what \`pulumi new\` asks.\n${text}`;
}

/** Pulumi.yaml with its `template:` and `config:` blocks regenerated; everything above them is kept. */
export async function renderProjectFile(current: string): Promise<string> {
  const marker = current.search(/^(# Generated from infra\/config\/schema\.ts[^\n]*\n)?template:/m);
  const start = marker === -1 ? current.search(/^config:/m) : marker;
  const head = start === -1 ? `${current.trimEnd()}\n` : current.slice(0, start);
  const options = await prettier.resolveConfig(PROJECT_FILE);
  return prettier.format(head + renderTemplateBlock() + renderConfigBlock(), { ...options, parser: 'yaml' });
}

/** The TypeScript type of a key's value, as a program passes it to ImageCdn. */
function settingType(declared: KeyDeclaration): string {
  if (declared.type === 'array')
    // Plain arrays, not readonly ones: Pulumi's schema inference (provider/experimental) refuses those.
    return declared.items === 'integer' ? 'number[]' : 'string[]';
  return declared.type === 'integer' ? 'number' : declared.type;
}

/**
 * infra/image-cdn-settings.ts: every key but the secret ones (ImageCdnArgs takes the signing secret as a
 * pulumi.Input, so it can stay a secret), with the description and default as TSDoc.
 */
export async function renderSettingsFile(): Promise<string> {
  const lines = [
    '// Generated from infra/config/schema.ts by `npm run config:docs`: edit the schema, not this file.',
    '',
    '/**',
    ' * What an ImageCdn is built with: the stack config keys of Pulumi.yaml, with the same names, types and',
    ' * defaults, checked by the same rules (infra/config/parse.ts). Leave a key out for its default.',
    ' */',
    'export interface ImageCdnSettings {',
  ];
  for (const { key, declared, heading } of keysByGroup((declared) => declared.secret === true)) {
    if (heading) lines.push(`  // ${heading}`);
    lines.push(
      '  /**',
      `   * ${yamlDescription(declared).replace(/\*\//g, '*\\/')}`,
      `   * @default ${JSON.stringify(declared.default)}`,
      '   */',
      `  readonly ${key}?: ${settingType(declared)};`,
    );
  }
  lines.push('}');
  const options = await prettier.resolveConfig(SETTINGS_FILE);
  return prettier.format(`${lines.join('\n')}\n`, { ...options, parser: 'typescript' });
}

const code = (value: unknown) => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

/** docs/configuration.md: one table per group. */
export function renderDocs(): string {
  const out = [
    '# Configuration',
    '',
    '<!-- Generated from infra/config/schema.ts by `npm run config:docs`: edit the schema, not this file. -->',
    '',
    `Every key lives in the \`${CONFIG_NAMESPACE}:\` namespace: \`pulumi config set ${CONFIG_NAMESPACE}:maxWidth 2048\`.`,
    'Lists are set with `--path` or as YAML in the stack file. The program refuses a key it does not declare,',
    'and every error names the key to change. A default that depends on other keys is derived from them, so',
    'setting one key never makes another invalid.',
  ];
  for (const { key, declared, heading } of keysByGroup()) {
    if (heading) {
      out.push(
        '',
        `## ${heading}`,
        '',
        '| Key | Type | Default | Allowed | Description |',
        '| --- | --- | --- | --- | --- |',
      );
    }
    const type = declared.type === 'array' ? `list of ${declared.items}` : declared.type;
    const fallback = declared.derived ? `derived: ${declared.derived}` : code(declared.default);
    const allowed = bounds(declared) ?? '';
    const secret = declared.secret ? ' **Secret**: set with `--secret`.' : '';
    const cell = (text: string) => text.replace(/\|/g, '\\|');
    out.push(
      `| \`${key}\` | ${type} | ${cell(fallback)} | ${allowed} | ${cell(declared.description)}${secret} |`,
    );
  }
  return `${out.join('\n')}\n`;
}

export const README_FILE = join(root, 'README.md');
const TABLE_START = '<!-- config-table:start -->';
const TABLE_END = '<!-- config-table:end -->';

/** A default short enough for one table cell. */
function shortDefault(declared: KeyDeclaration): string {
  if (declared.derived) return 'derived';
  const value: unknown = declared.default;
  if (value === '') return 'unset';
  if (Array.isArray(value) && value.length > 3) return `(${value.length} items)`;
  return code(value);
}

/** The README's compact table: one row per group, each key with its default. */
export function renderReadmeTable(): string {
  const rows = new Map<string, string[]>();
  for (const key of CONFIG_KEYS) {
    const declared: KeyDeclaration = CONFIG_SCHEMA[key];
    rows.set(declared.group, [...(rows.get(declared.group) ?? []), `\`${key}\` ${shortDefault(declared)}`]);
  }
  const lines = [
    TABLE_START,
    '<!-- Generated from infra/config/schema.ts by `npm run config:docs`. -->',
    '',
    '| group | keys and their defaults |',
    '| --- | --- |',
    ...[...rows].map(([group, keys]) => `| ${group} | ${keys.join(' · ').replace(/\|/g, '\\|')} |`),
    TABLE_END,
  ];
  return lines.join('\n');
}

/** README.md with the table between its markers regenerated. */
export function renderReadme(current: string): string {
  const start = current.indexOf(TABLE_START);
  const end = current.indexOf(TABLE_END);
  if (start === -1 || end < start)
    throw new Error(`README.md lacks the ${TABLE_START} … ${TABLE_END} markers`);
  return current.slice(0, start) + renderReadmeTable() + current.slice(end + TABLE_END.length);
}

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  const files: [string, string][] = [
    [PROJECT_FILE, await renderProjectFile(readFileSync(PROJECT_FILE, 'utf8'))],
    [DOC_FILE, renderDocs()],
    [README_FILE, renderReadme(readFileSync(README_FILE, 'utf8'))],
    [SETTINGS_FILE, await renderSettingsFile()],
  ];
  let stale = 0;
  for (const [path, text] of files) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = '';
    }
    if (current === text) continue;
    stale++;
    if (check) process.stderr.write(`${path} is stale: run npm run config:docs\n`);
    else writeFileSync(path, text);
  }
  return check && stale > 0 ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (status) => (process.exitCode = status),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
