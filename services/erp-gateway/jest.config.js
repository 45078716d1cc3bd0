module.exports = { ...require('../../jest.preset.js'), displayName: 'erp-gateway', rootDir: __dirname };
