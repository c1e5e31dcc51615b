import js from '@eslint/js'
import tseslint from 'typescript-eslint'

// Layers (STYLE.md): imports point downward only. These rules keep the shape of the house.
const SDKS = ['@aws-sdk/*', '@smithy/*', '@kubernetes/client-node', 'execa', '@inquirer/*', 'inquirer']
const NODE_IO = ['node:fs', 'node:fs/*', 'node:child_process', 'node:net', 'node:http', 'node:https', 'node:os', 'fs', 'fs/*', 'child_process', 'os']
const pattern = (group, message) => ({group, message})

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'oclif.manifest.json', 'test/fixtures/**/*.js', 'test/.generated/**']},
  js.configs.recommended,
  {files: ['bin/**/*.js', 'scripts/**/*.mjs', 'test/fixtures/**/*.mjs'], languageOptions: {globals: {process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly'}}},
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {patterns: [
        pattern([...SDKS, ...NODE_IO, 'node:process', '@oclif/*', 'listr2'], 'core is pure: no I/O, SDKs, oclif or UI.'),
        pattern(['**/services/**', '**/adapters/**', '**/commands/**', '**/ui/**', '**/deps.js', '**/base-command.js'], 'core imports nothing above it.'),
      ]}],
      'no-restricted-globals': ['error', {name: 'process', message: 'core is pure: pass values in from the command or service.'}],
    },
  },
  {
    files: ['src/services/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {patterns: [
        pattern([...SDKS, ...NODE_IO, '@oclif/*'], 'services talk to the world through ports (src/ports.ts) only.'),
        pattern(['**/adapters/**', '**/commands/**', '**/deps.js', '**/base-command.js'], 'services receive adapters through ports; they never import them.'),
      ]}],
    },
  },
  {
    files: ['src/ui/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {patterns: [
        pattern([...SDKS, '@oclif/*'], 'ui renders; it does not call the outside world.'),
        pattern(['**/services/**', '**/adapters/**', '**/commands/**', '**/deps.js'], 'ui imports only core.'),
      ]}],
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {patterns: [
        pattern(['**/services/**', '**/commands/**', '**/ui/**', '**/deps.js', '**/base-command.js'], 'adapters implement ports; they know nothing above them.'),
      ]}],
    },
  },
  {
    files: ['src/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {patterns: [
        pattern([...SDKS], 'commands are thin: SDKs live in adapters, created by src/deps.ts.'),
        pattern(['**/adapters/**'], 'commands get adapters from src/deps.ts, lazily.'),
      ]}],
    },
  },
)
