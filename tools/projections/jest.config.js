module.exports = { ...require('../../jest.preset.js'), displayName: 'projections-cli', rootDir: __dirname };
