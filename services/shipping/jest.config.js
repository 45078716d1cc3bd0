module.exports = { ...require('../../jest.preset.js'), displayName: 'shipping', rootDir: __dirname };
