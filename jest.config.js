// `npm test` runs every project's suite: unit (*.spec.ts), integration (*.int.spec.ts) and e2e.
module.exports = {
  projects: ['<rootDir>/libs/*/jest.config.js', '<rootDir>/services/*/jest.config.js', '<rootDir>/tools/*/jest.config.js'],
  // Global options (Jest ignores these inside project configs).
  testTimeout: 60_000,
};
