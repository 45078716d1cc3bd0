import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

export interface LogRecord {
  readonly level: string;
  readonly message: string;
  readonly service: string;
  readonly [field: string]: unknown;
}

/** Entry points a test can start as their own process. */
export const ENTRY_POINTS = {
  /** `npm start`: every service in one process. */
  platform: join(__dirname, '..', 'main.ts'),
  /** One service per process (distributed form; BINTRAIL_SERVICE names it). */
  service: join(__dirname, '..', 'service-main.ts'),
  /** The relay (store → Kafka) of the distributed form. */
  relay: join(REPO_ROOT, 'libs', 'messaging', 'src', 'relay', 'relay-main.ts'),
} as const;

/**
 * `npm start`'s entry point (or another of ENTRY_POINTS) as its own OS process (so a test can SIGKILL it),
 * its JSON log lines parsed.
 */
export class PlatformProcess {
  private static readonly running = new Set<PlatformProcess>();
  readonly child: ChildProcess;
  readonly records: LogRecord[] = [];
  stderr = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: Record<string, string>, entryPoint: string = ENTRY_POINTS.platform) {
    this.child = spawn(process.execPath, ['-r', join(REPO_ROOT, 'tools', 'register.cjs'), entryPoint], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        try {
          this.records.push(JSON.parse(line) as LogRecord);
        } catch {
          this.stderr += `${line}\n`; // not a log record (a library's warning): kept with the rest of the noise
        }
      }
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

  /**
   * The first log record with this message, on stdout or stderr (the relay logs to stderr); rejects with the
   * output if the process exits first or it takes too long.
   */
  logged(message: string, timeoutMs = 60_000): Promise<LogRecord> {
    const parsed = (line: string): LogRecord[] => {
      try {
        return [JSON.parse(line) as LogRecord];
      } catch {
        return [];
      }
    };
    return eventually(() => {
      const found = [...this.records, ...this.stderr.split('\n').flatMap(parsed)].find((r) => r.message === message);
      if (found) return found;
      const output = `${this.records.map((r) => JSON.stringify(r)).join('\n')}\n${this.stderr}`;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`exited (${this.child.exitCode}) before '${message}':\n${output}`);
      throw new Error(`no '${message}' yet:\n${output.slice(-3000)}`);
    }, timeoutMs);
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

/** `npm run start:distributed` (tools/distributed/start-distributed.ts) as a child process, its stdout and stderr together. */
export class DistributedLauncher {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /**
   * `unique`: its schema and topic prefix, so that runs and tests stay apart (dropped by cleanUp).
   * The ERP gateway is left out unless asked for: it reads every event, which the other tests need not pay for.
   */
  constructor(
    readonly unique: string,
    options: { readonly erpGateway?: boolean } = {},
  ) {
    this.child = spawn(process.execPath, ['-r', join(REPO_ROOT, 'tools', 'register.cjs'), join(REPO_ROOT, 'tools', 'distributed', 'start-distributed.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', BINTRAIL_SERVICE_BASE_PORT: '0', BINTRAIL_SCHEMA: unique, BINTRAIL_TOPIC_PREFIX: unique, TOPIC_PARTITIONS: '2', BINTRAIL_ERP_GATEWAY: options.erpGateway ? 'on' : 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The proxy's URL, once printed. */
  ready(): Promise<string> {
    return eventually(() => {
      if (this.child.exitCode !== null) throw new Error(`launcher exited ${this.child.exitCode}:\n${this.output}`);
      const match = /API on (http:\/\/\S+)/.exec(this.output);
      if (!match) throw new Error(`the launcher did not print its URL:\n${this.output.slice(-3000)}`);
      return match[1]!;
    }, 60_000);
  }

  /** Every process it started: the relay, the services and the ERP gateway if any (`(pid N)` in its output). */
  get pids(): number[] {
    return [...this.output.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
  }

  pidOf(name: string): number {
    return Number(new RegExp(`${name} service on \\S+ \\(pid (\\d+)\\)`).exec(this.output)![1]);
  }

  /** Stops it if still running, then drops its schema and deletes its topics. */
  async cleanUp(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT');
      await this.exited;
    }
    await dropSchemaAndTopics(this.unique);
  }
}

/** Drops a test run's PostgreSQL schema and deletes its Kafka topics (`<prefix>.*`). */
export async function dropSchemaAndTopics(unique: string): Promise<void> {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  await db.query(`DROP SCHEMA IF EXISTS "${unique}" CASCADE`);
  await db.end();
  const admin = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${unique}.`));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  await admin.disconnect();
}
