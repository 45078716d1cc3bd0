import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { dropSchema, testDatabaseUrl, testKafkaBrokers, uniqueSchema } from '@bintrail/testing';

const root = join(__dirname, '..', '..');
const NAME = 'stock-pulse';

/** Runs a command in the copy; returns its exit code and output together (what a developer would see). */
function run(cwd: string, command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' }, timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * `npx nx g @bintrail/tools:subscriber-service <name>` in a temporary copy of the workspace (its files, and a link
 * to node_modules), then what a developer runs next on what it made: lint, typecheck and the service's tests.
 */
describe('nx g @bintrail/tools:subscriber-service', () => {
  let copy: string;

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'bintrail-generator-'));
    // Tracked files and new ones not ignored: the workspace as the developer has it, without build output.
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const file of files) if (existsSync(join(root, file))) cpSync(join(root, file), join(copy, file));
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
  });

  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('scaffolds services/<name> with its handler, tests and run config, and registers its alias and scope', () => {
    const generated = run(copy, 'npx', ['nx', 'g', '@bintrail/tools:subscriber-service', NAME]);
    expect(generated).toMatchObject({ status: 0 });
    for (const file of ['package.json', 'project.json', 'jest.config.js', 'src/index.ts', 'src/main.ts', `src/${NAME}.handler.ts`, 'src/stock-flow.domain.ts', 'src/stock-flow.domain.spec.ts', `src/${NAME}.int.spec.ts`]) {
      expect(existsSync(join(copy, 'services', NAME, file))).toBe(true);
    }
    const project = JSON.parse(readFileSync(join(copy, 'services', NAME, 'project.json'), 'utf8')) as { name: string; tags: string[]; targets: Record<string, unknown> };
    expect(project).toMatchObject({ name: NAME, tags: [`scope:${NAME}`, 'type:service'] });
    expect(Object.keys(project.targets).sort()).toEqual(['lint', 'serve', 'test']);
    const paths = (JSON.parse(readFileSync(join(copy, 'tsconfig.base.json'), 'utf8')) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths;
    expect(paths[`@bintrail/${NAME}`]).toEqual([`services/${NAME}/src/index.ts`]);
    expect(readFileSync(join(copy, 'eslint.config.mjs'), 'utf8')).toContain(`{ sourceTag: 'scope:${NAME}', onlyDependOnLibsWithTags: ['scope:${NAME}', 'scope:shared'] }`);
    expect(run(copy, 'npx', ['nx', 'show', 'projects']).output.split('\n')).toContain(NAME);
  }, 60_000);

  it('refuses a name that is taken or malformed, naming the rule', () => {
    const taken = run(copy, 'npx', ['nx', 'g', '@bintrail/tools:subscriber-service', 'replenishment']);
    expect(taken.status).not.toBe(0);
    expect(taken.output).toContain('services/replenishment already exists');
    const malformed = run(copy, 'npx', ['nx', 'g', '@bintrail/tools:subscriber-service', 'Stock_Pulse']);
    expect(malformed.status).not.toBe(0);
    expect(malformed.output).toMatch(/Property 'name' does not match the schema. 'Stock_Pulse' should match the pattern/);
  }, 30_000);

  it('passes lint (module boundaries included) and the typecheck as generated', () => {
    const lint = run(copy, join(copy, 'node_modules', '.bin', 'eslint'), [`services/${NAME}`, '--max-warnings=0']);
    expect(lint).toEqual({ status: 0, output: '' });
    // The typecheck of `npm run lint`, on the new service and what it imports (the whole workspace takes minutes here).
    const tsconfig = join(copy, 'tsconfig.generated.json');
    cpSync(join(root, 'tsconfig.json'), tsconfig);
    execFileSync('node', ['-e', `const f=${JSON.stringify(tsconfig)};const c=JSON.parse(require('fs').readFileSync(f,'utf8'));c.include=['services/${NAME}/**/*.ts'];require('fs').writeFileSync(f,JSON.stringify(c))`]);
    expect(run(copy, join(copy, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig])).toEqual({ status: 0, output: '' });
  }, 60_000);

  it("passes its own tests as generated: the pure unit test, and the integration test on this run's PostgreSQL and Kafka", () => {
    // DATABASE_URL and KAFKA_BROKERS come from this run's global setup: the copy's setup reuses them.
    const tests = run(copy, 'node', ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', 'node_modules/jest/bin/jest.js', `services/${NAME}`]);
    expect(tests.output).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    expect(tests.output).toContain(`PASS ${NAME} services/${NAME}/src/stock-flow.domain.spec.ts`);
    expect(tests.output).toContain(`PASS ${NAME} services/${NAME}/src/${NAME}.int.spec.ts`);
    expect(tests.status).toBe(0);
  }, 120_000);

  it('runs as generated: its serve command starts the subscription, and SIGTERM stops it cleanly', async () => {
    const project = JSON.parse(readFileSync(join(copy, 'services', NAME, 'project.json'), 'utf8')) as { targets: { serve: { options: { command: string } } } };
    const [node, ...args] = project.targets.serve.options.command.split(' ');
    expect(node).toBe('node');
    const unique = uniqueSchema('gen_serve');
    const child = spawn(process.execPath, args, {
      cwd: copy,
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), KAFKA_BROKERS: testKafkaBrokers().join(','), BINTRAIL_SCHEMA: unique, BINTRAIL_TOPIC_PREFIX: unique },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const started = Date.now();
      while (!output.includes(`${NAME} subscribed`)) {
        if (child.exitCode !== null || Date.now() - started > 60_000) throw new Error(`${NAME} did not subscribe:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain(`SIGTERM: stopping ${NAME}`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await dropSchema(testDatabaseUrl(), unique);
      const admin = new Kafka({ brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${unique}.`));
      if (topics.length > 0) await admin.deleteTopics({ topics });
      await admin.disconnect();
    }
  }, 90_000);
});
