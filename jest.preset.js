// Shared Jest settings for every project: SWC transform (keeps decorator metadata for NestJS),
// tsconfig path aliases, and the global setup that provisions PostgreSQL (and later Kafka).
const fs = require('node:fs');
const path = require('node:path');

const root = __dirname;
const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));
const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
  moduleNameMapper[`^${alias.replace(/[/.]/g, '\\$&')}$`] = path.join(root, target);
}

module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testMatch: ['**/?(*.)spec.ts'],
  globalSetup: path.join(root, 'libs/testing/src/global-setup.ts'),
  globalTeardown: path.join(root, 'libs/testing/src/global-teardown.ts'),
  testTimeout: 60_000,
};
