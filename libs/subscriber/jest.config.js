module.exports = { ...require('../../jest.preset.js'), displayName: 'subscriber', rootDir: __dirname };
