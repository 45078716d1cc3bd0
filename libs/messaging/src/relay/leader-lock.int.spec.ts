import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Client } from 'pg';
import { InMemoryEventStore, lockKey } from '@bintrail/event-store';
import { testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { InProcessBus } from '../bus/in-process';
import { eventually } from '../bus/contract/bus-contract-suite';
import { ensurePlatformTopics } from '../topics';
import { InMemoryCheckpointStore } from './checkpoints';
import { PostgresLeaderLock, type PostgresLeaderLockOptions } from './leader-lock';
import { Relay } from './relay';

/** Short timings so the test runs in seconds; the bound they give is checkIntervalMs + checkTimeoutMs. */
const TIMING: PostgresLeaderLockOptions = { checkIntervalMs: 500, checkTimeoutMs: 1_000, connectTimeoutMs: 1_000, idleSessionTimeoutMs: 4_000 };
const BOUND_MS = TIMING.checkIntervalMs! + TIMING.checkTimeoutMs!;
/** Timer and scheduling slack on a shared 2-core machine. */
const SLACK_MS = 500;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A TCP proxy in front of PostgreSQL that can be cut like a network partition: from then on no byte
 * passes in either direction and no connection is closed, so neither side learns anything from TCP.
 */
class PartitionableProxy {
  private partitioned = false;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(target: URL): Promise<PartitionableProxy> {
    const server = createServer();
    const proxy = new PartitionableProxy(server);
    server.on('connection', (client) => proxy.pipe(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The target's URL with this proxy as host and port. */
  url(target: URL): string {
    const viaProxy = new URL(target.toString());
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String((this.server.address() as AddressInfo).port);
    return viaProxy.toString();
  }

  partition(): void {
    this.partitioned = true;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private pipe(client: Socket, target: URL): void {
    this.sockets.add(client);
    client.on('error', () => undefined);
    if (this.partitioned) return; // a new connection during the partition gets no answer
    const server = connect(Number(target.port || 5432), target.hostname);
    this.sockets.add(server);
    server.on('error', () => undefined);
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk) => void (this.partitioned || to.write(chunk)));
      from.on('close', () => void (this.partitioned || to.destroy()));
    };
    forward(client, server);
    forward(server, client);
  }
}

describe('PostgresLeaderLock when its connection is cut off', () => {
  const direct = new URL(testDatabaseUrl());
  let proxy: PartitionableProxy;
  let key: bigint;
  const locks: PostgresLeaderLock[] = [];

  beforeEach(async () => {
    proxy = await PartitionableProxy.start(direct);
    key = lockKey(uniqueSchema('lock'), 'relay:relay');
  });

  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.release()));
    await proxy.close();
  });

  const newLock = (url: string): PostgresLeaderLock => {
    const lock = new PostgresLeaderLock(url, key, TIMING);
    locks.push(lock);
    return lock;
  };

  it('a holder cut off by a partition stops holding within the check bound, before the server lets a standby in', async () => {
    const holder = newLock(proxy.url(direct));
    const standby = newLock(direct.toString());
    expect(await holder.tryAcquire()).toBe(true);
    expect(await standby.tryAcquire()).toBe(false);

    proxy.partition();
    const cutAt = Date.now();
    let lostAfterMs: number | undefined;
    let takenOver: { afterMs: number; holderStillHeld: boolean } | undefined;
    while (!takenOver && Date.now() - cutAt < 15_000) {
      if (lostAfterMs === undefined && !holder.held) lostAfterMs = Date.now() - cutAt;
      if (await standby.tryAcquire()) takenOver = { afterMs: Date.now() - cutAt, holderStillHeld: holder.held };
      await sleep(50);
    }
    process.stderr.write(`partition: holder gave up after ${lostAfterMs} ms, standby took over after ${takenOver?.afterMs} ms\n`);
    expect(lostAfterMs).toBeLessThanOrEqual(BOUND_MS + SLACK_MS);
    // The server frees the lock only after the session was silent for idleSessionTimeoutMs, which is longer
    // than the bound: the standby never holds the lock while the old holder still believes it does.
    expect(takenOver).toEqual({ afterMs: expect.any(Number), holderStillHeld: false });
    expect(takenOver!.afterMs).toBeLessThan(TIMING.idleSessionTimeoutMs! + 3_000);
  }, 30_000);

  it('a relay whose lock check fails stops publishing', async () => {
    const store = new InMemoryEventStore();
    const bus = new InProcessBus();
    await ensurePlatformTopics(bus);
    const relay = new Relay(store, new InMemoryCheckpointStore(), bus, newLock(proxy.url(direct)), { idlePollMs: 5, retryDelayMs: 100 });
    relay.start();
    await store.appendToStream('warehouse-WH1', [{ type: 'warehouse.StockReceived', data: {} }]);
    await eventually(() => expect(relay.status).toMatchObject({ active: true, published: 1 }), 10_000);

    proxy.partition();
    await sleep(BOUND_MS + SLACK_MS);
    expect(relay.status.active).toBe(false);
    await store.appendToStream('warehouse-WH1', [{ type: 'warehouse.StockPicked', data: {} }]);
    await sleep(500);
    expect(relay.status.published).toBe(1);
    await relay.stop();
    await bus.close();
  }, 30_000);

  it('notices at once when the server ends the lock session (pg_terminate_backend)', async () => {
    const holder = newLock(direct.toString());
    expect(await holder.tryAcquire()).toBe(true);
    const admin = new Client({ connectionString: direct.toString() });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ terminated: boolean }>(
        `SELECT pg_terminate_backend(pid) AS terminated FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
        [key.toString()],
      );
      expect(rows).toEqual([{ terminated: true }]);
    } finally {
      await admin.end();
    }
    const terminatedAt = Date.now();
    await eventually(() => expect(holder.held).toBe(false), BOUND_MS + SLACK_MS, 20);
    expect(Date.now() - terminatedAt).toBeLessThanOrEqual(BOUND_MS + SLACK_MS);
    expect(await newLock(direct.toString()).tryAcquire()).toBe(true);
  }, 30_000);
});
