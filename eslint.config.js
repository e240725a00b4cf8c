import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Production code never reaches test support: scripts/strip-test-output.mjs drops it from images.
    files: ['**/src/**/*.ts'],
    ignores: [
      '**/*.test.ts',
      '**/*.contract.ts',
      '**/testing/**',
      '**/testing.ts',
      '**/bench.ts',
      '**/bench-*.ts',
      '**/bench/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'node:test', message: 'tests and test support only' }],
          patterns: [
            {
              group: ['**/testing/*', '**/testing.js', '@ledger/*/testing', '**/*.contract.js', '**/*.test.js'],
              message: 'test support stays out of production code (move the importer to testing/)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
