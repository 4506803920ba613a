// The config a stack's program receives, validated the way the Pulumi CLI validates it before it runs the
// program, so an offline run fails where `pulumi preview`/`up` would. The CLI's rules, from pulumi/pulumi:
//  - sdk/go/common/workspace/project.go, Project.Validate: a key has not both `default` and `value`; a typed
//    array declares `items`; a typed default has the declared type; a key of another namespace (`aws:region`)
//    has no type and no default, only a `value`.
//  - pkg/workspace/config.go, mergeConfig: a project-namespace key with neither default nor value that the
//    stack does not set is "missing"; a default is applied as a plaintext value, and then
//    validateStackConfigValue refuses a `secret: true` key whose value is not encrypted, so a secret key
//    with a default always fails ("Stack 'dev' with configuration key 'k' must be encrypted as it's secret").
//  - sdk/go/common/workspace/project.go, ValidateConfigValue: stack values have the declared type; scalar
//    stack values reach it as strings ("42" is an integer, "true" a boolean), lists and maps as JSON.
// One rule goes beyond the CLI, which accepts keys a project does not declare (pkg/workspace/
// config_project_test.go, TestUntypedStackConfigValuesDoNeedProjectDeclaration): a stack key in the
// project's namespace that Pulumi.yaml does not declare is refused here, as the program refuses it at run
// time, so a typo (`image-cdn:maxWidht`) fails before anything is deployed.
// Self-contained (policies/ imports nothing outside policies/): js-yaml is resolved at run time.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const localRequire = createRequire(__filename);

export class ProjectConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectConfigError';
  }
}

/** The config map the CLI hands the program, and which of its keys hold encrypted values. */
export interface StackConfig {
  project: string;
  config: Record<string, string>;
  secretKeys: string[];
}

interface Declaration {
  type?: unknown;
  items?: Items;
  default?: unknown;
  value?: unknown;
  secret?: unknown;
}
interface Items {
  type?: unknown;
  items?: Items;
}

/** A stack value: a plain YAML value, or `{ secure: ... }` (ciphertext in a stack file, plaintext in tests). */
export type StackValue = unknown;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const isSecure = (value: unknown): value is { secure: string } =>
  isObject(value) && Object.keys(value).length === 1 && typeof value.secure === 'string';

/** ValidateConfigValue: does `value` (as the CLI sees it) have the declared type? */
export function hasConfigType(type: string, items: Items | undefined, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      if (typeof value === 'number') return Number.isInteger(value);
      // strconv.Atoi: optional sign and decimal digits only.
      return typeof value === 'string' && /^[+-]?\d+$/.test(value);
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'object':
      return isObject(value);
    case 'array':
      return (
        Array.isArray(value) &&
        items !== undefined &&
        typeof items.type === 'string' &&
        value.every((item) => hasConfigType(items.type as string, items.items, item))
      );
    default:
      return false;
  }
}

/** InferFullTypeName: `array<integer>` and so on. */
const typeName = (type: string, items: Items | undefined): string =>
  items ? `array<${typeName(String(items.type), items.items)}>` : type;

const asDeclaration = (value: unknown): Declaration =>
  // `key: value` is the short form of `key: { value: value }`.
  isObject(value) ? (value as Declaration) : { value };

/** The value as the program reads it: scalars as strings, lists and maps as JSON. */
const configText = (value: unknown): string =>
  typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);

function readYaml(path: string): unknown {
  const yaml = localRequire('js-yaml') as { load(text: string): unknown };
  return yaml.load(readFileSync(path, 'utf8'));
}

/** Project.Validate for the `config:` block. */
function validateProject(name: string, declarations: Record<string, Declaration>): void {
  for (const [key, declaration] of Object.entries(declarations)) {
    const typed = declaration.type !== undefined;
    if (declaration.default !== undefined && declaration.value !== undefined)
      throw new ProjectConfigError(
        `project config '${key}' cannot have both a 'default' and 'value' attribute`,
      );
    if (!key.includes(':') || key.startsWith(`${name}:`)) {
      if (typed && declaration.type === 'array' && declaration.items === undefined)
        throw new ProjectConfigError(
          `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`,
        );
      if (typed && declaration.default !== undefined) {
        const type = String(declaration.type);
        if (!hasConfigType(type, declaration.items, declaration.default))
          throw new ProjectConfigError(
            `The default value specified for configuration key '${key}' is not of the expected type '${typeName(type, declaration.items)}'`,
          );
      }
    } else {
      if (typed)
        throw new ProjectConfigError(
          `Configuration key '${key}' is not namespaced by the project and should not define a type`,
        );
      if (declaration.default !== undefined)
        throw new ProjectConfigError(
          `Configuration key '${key}' is not namespaced by the project and should not define a default value`,
        );
      if (declaration.value === undefined)
        throw new ProjectConfigError(
          `Configuration key '${key}' is namespaced and must provide an attribute 'value'`,
        );
    }
  }
}

/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml under `root`, applies `overrides` as if the stack file held
 * them (`null` removes a key), and returns what the CLI would pass the program, or throws the CLI's error.
 */
export function loadStackConfig(
  root: string,
  stack: string,
  overrides: Record<string, StackValue> = {},
): StackConfig {
  const projectFile = readYaml(join(root, 'Pulumi.yaml'));
  if (!isObject(projectFile) || typeof projectFile.name !== 'string' || projectFile.name === '')
    throw new ProjectConfigError("project is missing a 'name' attribute");
  const project = projectFile.name;
  const fullKey = (key: string) => (key.includes(':') ? key : `${project}:${key}`);
  const declarations: Record<string, Declaration> = {};
  for (const [key, value] of Object.entries(isObject(projectFile.config) ? projectFile.config : {}))
    declarations[key] = asDeclaration(value);
  validateProject(project, declarations);

  const stackPath = join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(stackPath)) throw new ProjectConfigError(`no stack file ${stackPath}`);
  const stackFile = readYaml(stackPath) ?? {};
  const stackValues = new Map<string, StackValue>();
  for (const [key, value] of Object.entries(
    isObject(stackFile) && isObject(stackFile.config) ? stackFile.config : {},
  ))
    stackValues.set(fullKey(key), value);
  for (const [key, value] of Object.entries(overrides))
    if (value === null) stackValues.delete(fullKey(key));
    else stackValues.set(fullKey(key), value);

  const declaredKeys = new Set(Object.keys(declarations).map(fullKey));
  for (const key of stackValues.keys())
    if (key.startsWith(`${project}:`) && !declaredKeys.has(key))
      throw new ProjectConfigError(
        `Stack '${stack}' sets configuration key '${key}', which Pulumi.yaml does not declare: ` +
          'remove it or fix its name',
      );

  // mergeConfig: project defaults and values fill what the stack does not set; missing keys are reported together.
  const missing: string[] = [];
  const merged = new Map(stackValues);
  for (const key of Object.keys(declarations).sort()) {
    const declaration = declarations[key]!;
    if (merged.has(fullKey(key))) continue;
    const fallback = declaration.default ?? declaration.value;
    if (fallback === undefined) {
      if (fullKey(key).startsWith(`${project}:`)) missing.push(key);
      continue;
    }
    merged.set(fullKey(key), fallback);
  }
  if (missing.length > 0)
    throw new ProjectConfigError(
      `Stack '${stack}' is missing configuration ${missing.length === 1 ? 'value' : 'values'} ` +
        missing.map((key) => `'${key}'`).join(', '),
    );

  // validateStackConfigValues: secrets encrypted, then types, key by key in sorted order.
  for (const key of Object.keys(declarations).sort()) {
    const declaration = declarations[key]!;
    if (declaration.type === undefined) continue;
    const value = merged.get(fullKey(key));
    if (declaration.secret === true && !isSecure(value))
      throw new ProjectConfigError(
        `Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`,
      );
    const plain = isSecure(value) ? value.secure : value;
    // Scalars reach the check as the strings the stack holds; lists and maps as their JSON.
    const seen = typeof plain === 'object' && plain !== null ? plain : configText(plain);
    const type = String(declaration.type);
    if (!hasConfigType(type, declaration.items, seen))
      throw new ProjectConfigError(
        `Stack '${stack}' with configuration key '${key}' must be of type '${typeName(type, declaration.items)}'`,
      );
  }

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of merged) {
    if (isSecure(value)) secretKeys.push(key);
    config[key] = configText(isSecure(value) ? value.secure : value);
  }
  return { project, config, secretKeys };
}
