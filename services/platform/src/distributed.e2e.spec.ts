import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { eventually } from './testing/platform-process';

const REPO_ROOT = join(__dirname, '..', '..', '..');

interface OrderView {
  orderId: string;
  status: string;
  lines: { sku: string; ordered: number; allocated: number; allocations: { warehouse: string; quantity: number; pickList: { bin: string; quantity: number }[] }[] }[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The launcher as a child process, its stdout and stderr together. */
class Launcher {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly unique: string) {
    this.child = spawn(process.execPath, ['-r', join(REPO_ROOT, 'tools', 'register.cjs'), join(REPO_ROOT, 'tools', 'distributed', 'start-distributed.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', BINTRAIL_SERVICE_BASE_PORT: '0', BINTRAIL_SCHEMA: unique, BINTRAIL_TOPIC_PREFIX: unique, TOPIC_PARTITIONS: '2' },
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

  /** Every process it started: the relay and the services (`(pid N)` in its output). */
  get pids(): number[] {
    return [...this.output.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
  }

  pidOf(name: string): number {
    return Number(new RegExp(`${name} service on \\S+ \\(pid (\\d+)\\)`).exec(this.output)![1]);
  }

  /** Stops it if still running, drops its schema and deletes its topics. */
  async cleanUp(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT');
      await this.exited;
    }
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${this.unique}" CASCADE`);
    await db.end();
    const admin = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${this.unique}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  }
}

/**
 * `npm run start:distributed` as a child process (real PostgreSQL, real Kafka; its own schema and topic
 * prefix): the relay and one process per service behind one proxy port. An order placed through the proxy
 * is allocated by the warehouse service in another process (order → Kafka → warehouse → Kafka → order),
 * and Ctrl+C stops every process the launcher started.
 */
describe('npm run start:distributed (one process per service on PostgreSQL + Kafka)', () => {
  const unique = `dist_${Date.now().toString(36)}_${process.pid}`;
  let launcher: Launcher;
  let url: string;

  beforeAll(async () => {
    launcher = new Launcher(unique);
    url = await launcher.ready();
  }, 70_000);

  afterAll(() => launcher.cleanUp(), 30_000);

  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  it('routes each path prefix to its service and allocates an order across processes over Kafka; Ctrl+C stops every process', async () => {
    const pids = launcher.pids;
    const output = launcher.output;
    expect(pids).toHaveLength(5); // the relay and four services
    expect(output).toMatch(/inventory service on http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/warehouse service on http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/order service on http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/shipping service on http:\/\/127\.0\.0\.1:\d+/);

    expect((await call('PUT', '/items/SKU-D', { description: 'Distributed widget', unit: 'each' })).status).toBe(201);
    expect((await call('POST', '/warehouses', { code: 'WHD', name: 'Distributed' })).status).toBe(201);
    expect((await call('POST', '/warehouses/WHD/bins', { code: 'A-01', zone: 'A', capacity: 60 })).status).toBe(201);
    // The warehouse learns of the SKU from the item master's events (read model on the shared log).
    await eventually(async () => expect((await call('POST', '/warehouses/WHD/receipts', { sku: 'SKU-D', quantity: 50 })).status).toBe(201), 15_000);
    expect((await call('POST', '/warehouses/WHD/putaways', { sku: 'SKU-D', quantity: 50, fromBin: 'DOCK', toBin: 'A-01' })).status).toBe(201);

    // The order service learns of the SKU and the warehouse from the log too.
    const placed = await eventually(async () => {
      const answer = await call<OrderView>('POST', '/orders', { lines: [{ sku: 'SKU-D', quantity: 30 }] });
      expect(answer.status).toBe(201);
      return answer.body;
    }, 15_000);

    const order = await eventually(async () => {
      const answer = await call<OrderView>('GET', `/orders/${placed.orderId}`);
      expect(answer.body.status).toBe('allocated');
      return answer.body;
    }, 30_000);
    expect(order.lines[0]).toMatchObject({ sku: 'SKU-D', ordered: 30, allocated: 30 });
    expect(order.lines[0]!.allocations).toEqual([expect.objectContaining({ warehouse: 'WHD', quantity: 30, pickList: [{ bin: 'A-01', quantity: 30 }] })]);

    await eventually(async () => expect((await call('GET', '/inventory/SKU-D')).body).toMatchObject({ onHand: 50, reserved: 30, available: 20 }), 15_000);
    expect((await call<{ mode: string }>('GET', '/status')).body.mode).toBe('distributed');

    launcher.child.kill('SIGINT');
    expect(await launcher.exited).toEqual({ code: 0, signal: null });
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);
});

describe('npm run start:distributed when a service dies', () => {
  let launcher: Launcher | undefined;
  afterAll(() => launcher?.cleanUp(), 30_000);

  it('says which died, stops the rest and exits 1', async () => {
    launcher = new Launcher(`dist_${Date.now().toString(36)}_${process.pid}_die`);
    await launcher.ready();
    const pids = launcher.pids;
    const warehouse = launcher.pidOf('warehouse');
    process.kill(warehouse, 'SIGKILL');
    expect(await launcher.exited).toEqual({ code: 1, signal: null });
    expect(launcher.output).toContain(`warehouse (pid ${warehouse}) died (exit code null, signal SIGKILL): stopping everything else`);
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);
});
