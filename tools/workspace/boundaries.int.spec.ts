import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(__dirname, '..', '..');

/** The module boundary rules are real: each probe breaks one, and lint must say so. */
describe('workspace lint rules', () => {
  let eslint: ESLint;

  beforeAll(() => {
    // The Nx rule reads the cached project graph; `npm run lint` builds it the same way.
    execFileSync('npx', ['nx', 'show', 'projects'], { cwd: root, stdio: 'pipe' });
    eslint = new ESLint({ cwd: root });
  });

  const lint = async (file: string, code: string): Promise<string[]> => {
    const [result] = await eslint.lintText(code, { filePath: join(root, file) });
    return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
  };

  it('fails when the contracts library depends on an adapter library', async () => {
    const messages = await lint('libs/contracts/src/probe.ts', "import { InMemoryEventStore } from '@bintrail/event-store';\nexport const x = InMemoryEventStore;\n");
    expect(messages.join('\n')).toMatch(/@nx\/enforce-module-boundaries/);
  });

  it('fails when domain code imports a framework or I/O module', async () => {
    const messages = await lint('services/platform/src/domain/probe.ts', "import { Client } from 'pg';\nexport const x = Client;\n");
    expect(messages.join('\n')).toMatch(/no-restricted-imports: .*domain code stays pure/);
  });

  describe('production code cannot import test infrastructure', () => {
    const imports: [string, string][] = [
      ['the test infrastructure library', "import { uniqueSchema as x } from '@bintrail/testing';"],
      ["a library's testing entry", "import { describeBusContract as x } from '@bintrail/messaging/testing';"],
      ['a *.test-helper.ts file', "import { startPlatform as x } from './platform.test-helper';"],
      ["a project's own testing entry, relatively", "import { fixtures as x } from './testing';"],
      ['a contract suite', "import { describeContract as x } from './contract/suite';"],
    ];

    it.each(imports)('fails when a production file imports %s', async (_what, line) => {
      const messages = await lint('services/platform/src/probe.ts', `${line}\nexport const y = x;\n`);
      expect(messages.join('\n')).toMatch(/no-restricted-imports: .*(test infrastructure|a test helper)/);
    });

    it('fails in a domain file too, next to the purity rule', async () => {
      const messages = await lint('services/platform/src/domain/probe.ts', "import { Client } from 'pg';\nimport { uniqueSchema } from '@bintrail/testing';\nexport const x = [Client, uniqueSchema];\n");
      expect(messages.join('\n')).toMatch(/domain code stays pure/);
      expect(messages.join('\n')).toMatch(/test infrastructure/);
    });

    it.each(['services/platform/src/probe.int.spec.ts', 'services/platform/src/probe.spec.ts', 'services/platform/src/probe.test-helper.ts'])(
      'passes the same imports in %s',
      async (file) => {
        const code = `${imports.map(([, line], i) => line.replace(' as x ', ` as x${i} `)).join('\n')}\nexport const y = [${imports.map((_, i) => `x${i}`).join(', ')}];\n`;
        expect(await lint(file, code)).toEqual([]);
      },
    );
  });

  it('passes clean code', async () => {
    expect(await lint('libs/contracts/src/probe.ts', "export const x = 1;\n")).toEqual([]);
  });
});
