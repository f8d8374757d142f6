// Flat, typed ESLint config. The import boundaries encode ARCHITECTURE.md: commands see only #core,
// the core sees no adapters, backends or child processes, and only src/config reads the environment.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noEnv = {
  selector: "MemberExpression[object.name='process'][property.name='env']",
  message: 'Only src/config reads process.env; take the value from the config instead.',
};
const noExit = {
  selector: "CallExpression[callee.object.name='process'][callee.property.name='exit']",
  message: 'Only src/main.ts ends the process.',
};

export default tseslint.config(
  // src/config/generated: ajv's code, written by src/config/validator-module.ts and checked by a test.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'eslint.config.js', 'src/config/generated/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', noEnv, noExit],
    },
  },
  {
    files: ['commands/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/src/**', '../src/*', '../../src/*'], message: 'Commands import only #core.' },
          { group: ['node:child_process', 'child_process', 'execa'], message: 'Commands reach processes through ports.' },
        ],
      }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/adapters/teams/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['botbuilder', 'botbuilder-*', 'botframework-*'], message: 'botbuilder stays inside src/adapters/teams.' }],
      }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/adapters/**', '**/backends/**', '**/http/**', '**/store/**', '**/config/**'], message: 'The core depends on ports, never on their implementations.' },
          { group: ['node:child_process', 'child_process', 'execa', 'botbuilder', 'botbuilder-*', '@mattermost/*'], message: 'No processes or platform SDKs in the core.' },
        ],
      }],
    },
  },
  {
    files: ['src/config/**/*.ts', 'test/**/*.ts', 'vitest.config.ts'],
    rules: { 'no-restricted-syntax': ['error', noExit] },
  },
  {
    files: ['src/main.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
