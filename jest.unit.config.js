// `npm run test:unit`: the pure tests only (*.spec.ts; not *.int.spec.ts or *.e2e.spec.ts), with every
// project's global setup and teardown removed, so the run provisions no PostgreSQL and no Kafka.
// A unit test that reaches for infrastructure fails here instead of quietly getting it.
const fs = require('node:fs');
const path = require('node:path');

const { projects, ...globalOptions } = require('./jest.config.js');

const projectConfigs = projects
  .flatMap((pattern) => fs.globSync(pattern.replace('<rootDir>/', ''), { cwd: __dirname }))
  .sort()
  .map((file) => {
    const { globalSetup: _setup, globalTeardown: _teardown, ...config } = require(path.join(__dirname, file));
    return {
      ...config,
      testPathIgnorePatterns: [...(config.testPathIgnorePatterns ?? ['/node_modules/']), '\\.(int|e2e)\\.spec\\.ts$'],
    };
  });

module.exports = { ...globalOptions, projects: projectConfigs };
