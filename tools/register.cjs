// Runs TypeScript sources directly (npm start, benches): SWC compiles each file on load,
// keeping decorator metadata that NestJS dependency injection needs (esbuild-based runners drop it).
process.env.SWC_NODE_PROJECT ??= require('node:path').join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
