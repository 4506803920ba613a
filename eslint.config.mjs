// Flat config: typescript-eslint's recommended rules over every TypeScript file, the type-checked rules
// that catch forgotten promises (Pulumi outputs, async handlers, tests whose assertion never runs), and
// the import directions the design depends on, and one import order.
import js from '@eslint/js';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

/** Folders the deployed functions must never import: they are bundled alone into Lambda and CloudFront. */
const OUTSIDE_FUNCTIONS = ['infra', 'local', 'policies', 'bench', 'test', 'scripts'];

/** `policies/` is published as its own policy pack: every import stays inside it (or is a package). */
const policiesImportsOnlyItself = (depth) => ({
  files: [`policies/${'*/'.repeat(depth)}*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: [`${'../'.repeat(depth + 1)}*`],
            message: 'policies/ is a standalone policy pack: import nothing from outside it.',
          },
        ],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.build/**', 'policies/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // One import order everywhere (packages, then node: built-ins, then relative paths), fixed by --fix.
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Components build their resources in closures that take the component as `parent` (the SST habit).
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['parent'] }],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: OUTSIDE_FUNCTIONS.map((folder) => ({
            group: [`**/${folder}/*`, `**/${folder}`],
            message: `functions/ is deployed alone: it must not import ${folder}/.`,
          })),
        },
      ],
    },
  },
  policiesImportsOnlyItself(0),
  policiesImportsOnlyItself(1),
  policiesImportsOnlyItself(2),
);
