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

  it('passes clean code', async () => {
    expect(await lint('libs/contracts/src/probe.ts', "export const x = 1;\n")).toEqual([]);
  });
});
