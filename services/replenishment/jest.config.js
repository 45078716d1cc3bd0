module.exports = { ...require('../../jest.preset.js'), displayName: 'replenishment', rootDir: __dirname };
