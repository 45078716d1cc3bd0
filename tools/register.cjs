// Runs TypeScript sources directly (npm start, benches): SWC compiles each file on load,
// keeping decorator metadata that NestJS dependency injection needs (esbuild-based runners drop it).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  // npm scripts put node_modules/.bin (the project's own Node 24, the `node` devDependency) first on PATH.
  process.stderr.write(
    `Bintrail runs on Node.js 24 or newer; this is ${process.version}. Run it through npm (npm start, npm test, npm run ...), ` +
      'which uses the Node that npm install put in node_modules/.bin, or call node_modules/.bin/node directly.\n',
  );
  process.exit(1);
}
process.env.SWC_NODE_PROJECT ??= require('node:path').join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
