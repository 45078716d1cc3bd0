import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

/**
 * A relay running as its own OS process (so a test can kill -9 it), with its log lines observable.
 * Test helper: sits beside the tests that use it; eslint.config.mjs keeps production code from importing it.
 */
export class RelayProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private listeners: (() => void)[] = [];

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['-r', join(REPO_ROOT, 'tools', 'register.cjs'), join(__dirname, 'relay-main.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let buffer = '';
    this.child.stderr!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      this.lines.push(...parts);
      for (const l of this.listeners) l();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves when a log line contains `text`, rejects after the timeout with the log so far. */
  waitForLog(text: string, timeoutMs = 60_000): Promise<number> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.lines.some((l) => l.includes(text))) {
          resolve(Date.now() - started);
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => reject(new Error(`relay ${this.pid} did not log '${text}' within ${timeoutMs} ms:\n${this.lines.slice(-20).join('\n')}`)), timeoutMs);
      const listener = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.listeners = this.listeners.filter((l) => l !== listener);
        }
      };
      this.listeners.push(listener);
    });
  }

  isActive(): boolean {
    return this.lines.some((l) => l.includes('"relay active"'));
  }

  kill9(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.kill('SIGTERM');
    });
  }
}
