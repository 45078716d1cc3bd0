import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

export interface LogRecord {
  readonly level: string;
  readonly message: string;
  readonly service: string;
  readonly [field: string]: unknown;
}

/** `npm start`'s entry point as its own OS process (so a test can SIGKILL it), its JSON log lines parsed. */
export class PlatformProcess {
  private static readonly running = new Set<PlatformProcess>();
  readonly child: ChildProcess;
  readonly records: LogRecord[] = [];
  stderr = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['-r', join(REPO_ROOT, 'tools', 'register.cjs'), join(__dirname, '..', 'main.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) this.records.push(JSON.parse(line) as LogRecord);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    PlatformProcess.running.add(this);
    void this.exited.then(() => PlatformProcess.running.delete(this));
  }

  /** For afterAll: a failed test must not leave a platform running. */
  static async killAll(): Promise<void> {
    await Promise.all([...PlatformProcess.running].map((p) => p.kill9()));
  }

  /** The base URL once the platform says it listens; rejects with its output if it exits or takes too long. */
  async ready(timeoutMs = 60_000): Promise<string> {
    const started = Date.now();
    for (;;) {
      const listening = this.records.find((r) => r.message.startsWith('listening on'));
      if (listening) return listening.url as string;
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() - started > timeoutMs) {
        throw new Error(`platform not ready (exit ${this.child.exitCode}):\n${this.records.map((r) => JSON.stringify(r)).join('\n')}\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill9(): Promise<unknown> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM (Ctrl+C's polite cousin); resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return (await this.exited).code;
  }

  get exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }
}

/** Polls `check` until it stops throwing (or rethrows its last error after the timeout). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
