import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import kairos from './eslint/layers.js';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/dist-*/**', '**/.next/**', '**/node_modules/**', '**/coverage/**', 'deploy/helm/**', 'web/next-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        AbortSignal: 'readonly',
        AbortController: 'readonly',
        structuredClone: 'readonly',
        Headers: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        URLSearchParams: 'readonly',
        crypto: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // domain ← ports ← app ← adapters | http ← roles, and no import loops (eslint/layers.js)
    files: ['backend/src/**/*.ts'],
    plugins: { kairos },
    rules: { 'kairos/layers': 'error', 'kairos/no-cycle': 'error' },
  },
);
