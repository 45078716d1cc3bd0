import nx from '@nx/eslint-plugin';

/** Frameworks and I/O that domain code must never import (STYLE.md: the domain is pure). */
const infrastructure = ['@nestjs/*', 'kafkajs', 'pg', 'typeorm', '@electric-sql/*', '@kurrent/*', 'node:*'];
const pure = infrastructure.map((group) => ({ group: [group], message: 'domain code stays pure: no framework or I/O imports' }));

/**
 * Test files and the helpers beside them: specs, `*.test-helper.ts`, a library's `testing.ts` entry,
 * `testing/` folders (libs/testing included) and the adapter contract suites (`contract/`).
 */
const testSide = ['**/*.spec.ts', '**/*.test-helper.ts', '**/testing.ts', '**/testing/**', '**/contract/**'];
/** Production code (libs and services outside `testSide`) must not import test infrastructure. */
const noTestInfrastructure = [
  {
    group: ['@bintrail/testing', '@bintrail/testing/*', '@bintrail/*/testing', '@bintrail/*/testing/*', 'testcontainers', '@testcontainers/*'],
    message: 'test infrastructure: only *.spec.ts files and test helpers (*.test-helper.ts, testing/) may import it',
  },
  {
    regex: '^\\.\\.?/(.*/)?(testing|contract)(/|$)|\\.(test-helper|spec)(\\.ts)?$',
    message: 'a test helper: only *.spec.ts files and other test helpers may import it',
  },
];

export default [
  { ignores: ['**/node_modules', '**/dist', 'tmp', '.nx', '.bintrail', 'coverage', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Layers: contracts < domain < adapters < apps; utilities anywhere below apps.
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:contracts'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:contracts'] },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:adapter', 'type:domain', 'type:util', 'type:contracts'] },
            // A service (HTTP + message controllers, its domain and read models) is composed into apps.
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:adapter', 'type:domain', 'type:util', 'type:contracts'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:service', 'type:adapter', 'type:domain', 'type:util', 'type:contracts'] },
            // Scopes: shared code knows no service; a service knows only itself and shared code.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:inventory', onlyDependOnLibsWithTags: ['scope:inventory', 'scope:shared'] },
            { sourceTag: 'scope:warehouse', onlyDependOnLibsWithTags: ['scope:warehouse', 'scope:shared'] },
            { sourceTag: 'scope:order', onlyDependOnLibsWithTags: ['scope:order', 'scope:shared'] },
            { sourceTag: 'scope:shipping', onlyDependOnLibsWithTags: ['scope:shipping', 'scope:shared'] },
            { sourceTag: 'scope:erp-gateway', onlyDependOnLibsWithTags: ['scope:erp-gateway', 'scope:shared'] },
            { sourceTag: 'scope:replenishment', onlyDependOnLibsWithTags: ['scope:replenishment', 'scope:shared'] },
            {
              sourceTag: 'scope:platform',
              onlyDependOnLibsWithTags: ['scope:platform', 'scope:shared', 'scope:inventory', 'scope:warehouse', 'scope:order', 'scope:shipping', 'scope:erp-gateway', 'scope:replenishment'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-console': 'error',
    },
  },
  {
    // Production code never loads test infrastructure (PostgreSQL/Kafka provisioning, contract suites, helpers).
    files: ['libs/**/*.ts', 'services/**/*.ts'],
    ignores: testSide,
    rules: { 'no-restricted-imports': ['error', { patterns: noTestInfrastructure }] },
  },
  {
    // Domain code: plain decide/evolve functions, no framework or I/O (and, being production code, no test infrastructure).
    files: ['**/domain/**/*.ts', '**/*.domain.ts', 'libs/contracts/**/*.ts'],
    ignores: testSide,
    rules: { 'no-restricted-imports': ['error', { patterns: [...pure, ...noTestInfrastructure] }] },
  },
  {
    files: ['**/*.spec.ts', 'bench/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
];
