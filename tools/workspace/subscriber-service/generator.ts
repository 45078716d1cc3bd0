import { join } from 'node:path';
import { generateFiles, names, updateJson, type Tree } from '@nx/devkit';

export interface SubscriberServiceOptions {
  /** Lower-case letters, digits and dashes: services/<name>, @bintrail/<name>, scope:<name>, its consumer group. */
  readonly name: string;
}

const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Names that already mean something in the module-boundary rules or the platform's categories. */
const RESERVED = new Set(['shared', 'platform', 'tools', 'testing', 'contracts', 'subscriber']);
const ESLINT_CONFIG = 'eslint.config.mjs';
/** From the workspace the generator runs in, not __dirname: Node may load this file as an ES module (no __dirname there). */
const TEMPLATES = 'tools/workspace/subscriber-service/files';
/** The scope rules end with the platform's (it may use every service); a new service's rule goes before it. */
const PLATFORM_SCOPE_RULE = "{\n              sourceTag: 'scope:platform',";

/**
 * `npx nx g @bintrail/tools:subscriber-service <name>`: services/<name> with a handler on libs/subscriber, its pure
 * domain and unit test, an integration test on PostgreSQL + Kafka, and its run config (project.json, main.ts);
 * registers the `@bintrail/<name>` path alias and the service's module-boundary scope.
 */
export async function subscriberServiceGenerator(tree: Tree, options: SubscriberServiceOptions): Promise<void> {
  const name = options.name;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new Error(`name must be lower-case letters and digits in dash-separated words, starting with a letter (e.g. low-stock-alerts), got '${String(name)}'`);
  }
  if (RESERVED.has(name)) throw new Error(`name '${name}' is reserved (${[...RESERVED].join(', ')}): pick another`);
  const root = `services/${name}`;
  if (tree.exists(root)) throw new Error(`${root} already exists: pick another name`);

  const n = names(name);
  generateFiles(tree, join(tree.root, TEMPLATES), root, {
    name,
    className: n.className,
    propertyName: n.propertyName,
    constantName: n.constantName,
    /** For SQL identifiers: `low-stock-alerts` → `low_stock_alerts`. */
    snakeName: name.replace(/-/g, '_'),
  });

  updateJson(tree, 'tsconfig.base.json', (json: { compilerOptions: { paths: Record<string, string[]> } }) => {
    json.compilerOptions.paths[`@bintrail/${name}`] = [`${root}/src/index.ts`];
    return json;
  });
  addScopeRule(tree, name);
}

/** A service depends on its own scope and shared code only: the same rule every hand-written service has. */
function addScopeRule(tree: Tree, name: string): void {
  const config = tree.read(ESLINT_CONFIG, 'utf-8');
  if (config === null) throw new Error(`${ESLINT_CONFIG} not found at the workspace root`);
  const at = config.indexOf(PLATFORM_SCOPE_RULE);
  if (at < 0) throw new Error(`${ESLINT_CONFIG}: the scope:platform rule was not found, add the scope:${name} rule by hand`);
  const rule = `{ sourceTag: 'scope:${name}', onlyDependOnLibsWithTags: ['scope:${name}', 'scope:shared'] },\n            `;
  tree.write(ESLINT_CONFIG, `${config.slice(0, at)}${rule}${config.slice(at)}`);
}

export default subscriberServiceGenerator;
