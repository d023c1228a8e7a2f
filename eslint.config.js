// ESLint (flat config) with typescript-eslint's recommended rules; tsc --strict does the type checking.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-control-regex': 'off',
      'no-cond-assign': ['error', 'except-parens'],
    },
  },
  {
    files: ['scripts/**/*.{js,mjs}', 'bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', performance: 'readonly', setTimeout: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', Buffer: 'readonly', URLSearchParams: 'readonly' } },
  },
  {
    // runs in a browser page, not in Node
    files: ['scripts/browser/**/*.mjs'],
    languageOptions: { globals: { fetch: 'readonly', location: 'readonly', document: 'readonly', navigator: 'readonly', URLSearchParams: 'readonly' } },
  },
);
