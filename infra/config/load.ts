// Reads the stack's config from Pulumi once per program run, for the ImageCdn that index.ts builds.
import { createRequire } from 'node:module';

import * as pulumi from '@pulumi/pulumi';

import type { ImageCdnSettings } from '../image-cdn-settings';
import { ConfigError, type ConfigValue, typedConfigValue, validateSigningSecret } from './parse';
import { CONFIG_KEYS, CONFIG_NAMESPACE, CONFIG_SCHEMA, isConfigKey } from './schema';

const localRequire = createRequire(__filename);

/**
 * Refuses a key of this project's namespace that the schema does not declare (a typo such as
 * `image-cdn:maxWidht` would otherwise be ignored). The CLI accepts undeclared stack keys
 * (pulumi/pulumi pkg/workspace/config_project_test.go, TestUntypedStackConfigValuesDoNeedProjectDeclaration),
 * so the program checks them itself.
 */
export function checkDeclaredKeys(fullKeys: Iterable<string>): void {
  for (const fullKey of fullKeys) {
    if (!fullKey.startsWith(`${CONFIG_NAMESPACE}:`)) continue;
    const name = fullKey.slice(CONFIG_NAMESPACE.length + 1);
    if (!isConfigKey(name))
      throw new ConfigError(
        fullKey,
        'is not a key of this project (docs/configuration.md lists them): remove it with `pulumi config rm`',
      );
  }
}

/**
 * The stack's `image-cdn:` keys as typed values, for ImageCdn's args (the secret key aside: it is read by
 * loadSigningSecret). Each string is typed by its declared type (typedConfigValue); bounds and the rules
 * between keys are the component's to check, by the same parser.
 */
export function loadStackSettings(): ImageCdnSettings {
  checkDeclaredKeys(Object.keys(pulumi.runtime.allConfig()));
  const project = new pulumi.Config(CONFIG_NAMESPACE);
  const settings: Partial<Record<string, ConfigValue>> = {};
  for (const key of CONFIG_KEYS) {
    const text = project.get(key);
    if (text !== undefined && text !== '' && !('secret' in CONFIG_SCHEMA[key]))
      settings[key] = typedConfigValue(key, text);
  }
  // Each value has its key's declared type (typedConfigValue), which is what ImageCdnSettings declares.
  return settings as ImageCdnSettings;
}

/** Whether the stack holds `fullKey` as a secure (encrypted) value; not in the SDK's typings. */
function isStoredSecret(fullKey: string): boolean {
  const runtimeConfig = localRequire('@pulumi/pulumi/runtime/config') as {
    isConfigSecret?: (key: string) => boolean;
  };
  if (typeof runtimeConfig.isConfigSecret !== 'function')
    throw new Error('@pulumi/pulumi/runtime/config no longer exports isConfigSecret: update load.ts');
  return runtimeConfig.isConfigSecret(fullKey);
}

/**
 * The signed-URL secret, read with `getSecret` so it stays encrypted in the state, and in the viewer
 * function code and edge config built from it. Empty when signed URLs are off; refused when it is
 * stored in plaintext in the stack file.
 */
export function loadSigningSecret(): pulumi.Output<string> {
  const encrypted = isStoredSecret(`${CONFIG_NAMESPACE}:signingSecret`);
  const secret = new pulumi.Config(CONFIG_NAMESPACE).getSecret('signingSecret') ?? pulumi.secret('');
  return secret.apply((value) => {
    validateSigningSecret(value, encrypted);
    return value;
  });
}
