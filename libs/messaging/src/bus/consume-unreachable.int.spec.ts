import { execFile } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..', '..');

/** Runs the helper script under the project's Node; resolves with its exit code and output. */
function runHelper(): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', join(REPO, 'tools', 'register.cjs'), join(__dirname, 'consume-unreachable.test-helper.ts')],
      { cwd: REPO, timeout: 30_000 },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number; signal?: string }) | null;
        resolve({ code: failure ? (failure.code ?? null) : 0, signal: failure?.signal ?? null, stdout, stderr });
      },
    );
  });
}

// In a child process: Jest does not reliably surface an unhandled rejection, Node ends a process on one.
// The 30 s timeout also catches a timer left behind (the helper must exit by itself).
describe('KafkaBus.consume when the broker cannot be reached', () => {
  it('rejects once and leaves nothing behind: no later unhandled rejection, no timer keeping the process alive', async () => {
    const result = await runHelper();
    const report = `exit ${result.code} signal ${result.signal}\nstdout:\n${result.stdout}\nstderr (tail):\n${result.stderr.slice(-1_500)}`;
    // One assertion on the whole report, so a failure prints what the child said before it died.
    expect(report).toMatch(/^exit 0 signal null\nstdout:\nconsume\(\) failed as expected: .+\nalive after the join timeout\n/);
  }, 40_000);
});
