// Flat config: typescript-eslint's recommended rules over every TypeScript file in the project.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.build/**', 'policies/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Components build their resources in closures that take the component as `parent` (the SST habit).
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['parent'] }],
    },
  },
);
