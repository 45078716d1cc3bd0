#!/usr/bin/env node
// `bintrail <audit|projections> ...` (npx bintrail, once npm install has linked it): the ops commands
// `npm run audit` and `npm run projections`, runnable from any directory of the checkout. It starts them
// on the project's own Node 24 (node_modules/.bin/node), whatever `node` is first on PATH.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..', '..', '..');
const commands = {
  audit: join(root, 'tools', 'audit', 'audit-main.ts'),
  projections: join(root, 'tools', 'projections', 'projections-main.ts'),
};
const [command, ...rest] = process.argv.slice(2);
if (!Object.hasOwn(commands, command ?? '')) {
  process.stderr.write(`usage: bintrail audit <history|explain|verify> ...\n       bintrail projections <status|rebuild> ...\n`);
  process.exit(2);
}
const node = join(root, 'node_modules', '.bin', 'node');
const result = spawnSync(node, ['-r', join(root, 'tools', 'register.cjs'), commands[command], ...rest], { stdio: 'inherit' });
if (result.error) {
  process.stderr.write(`bintrail: could not start ${node}: ${result.error.message} (run npm install first)\n`);
  process.exit(2);
}
process.exit(result.status ?? 2);
