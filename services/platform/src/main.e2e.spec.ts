import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..');

/** Runs `npm start`'s entry point as a new user would, until it says it is ready, then stops it. */
function startPlatform(env: Record<string, string>): Promise<{ lines: string[]; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', join(REPO_ROOT, 'tools', 'register.cjs'), join(__dirname, 'main.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
    });
    const lines: string[] = [];
    let stderr = '';
    let buffer = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`platform did not get ready in 60 s:\n${lines.join('\n')}\n${stderr}`));
    }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      lines.push(...parts);
      if (parts.some((l) => l.includes('"relay active"'))) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ lines, code, stderr });
    });
  });
}

describe('npm start (embedded form)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-platform-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts the store in a local folder, creates the topics, runs the relay, and stops cleanly; twice', async () => {
    for (let run = 0; run < 2; run++) {
      const { lines, code, stderr } = await startPlatform({ BINTRAIL_DATA_DIR: dataDir, BINTRAIL_MODE: 'embedded' });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const records = lines.map((l) => JSON.parse(l) as { message: string; topics?: string[]; service: string });
      expect(records.map((r) => r.message)).toEqual(
        expect.arrayContaining([`event store: embedded PostgreSQL (PGlite), data in ${dataDir}`, 'relay active']),
      );
      expect(records.find((r) => r.message === 'topics ready')?.topics).toContain('bintrail.warehouse.events.dlq');
      expect(records.every((r) => r.service === 'platform')).toBe(true);
    }
  });

  it('refuses to start with a message naming the missing variable', async () => {
    const { code, stderr } = await startPlatform({ BINTRAIL_MODE: 'distributed', DATABASE_URL: '' });
    expect(code).toBe(1);
    expect(stderr).toContain('DATABASE_URL is required when BINTRAIL_MODE=distributed');
  });
});
