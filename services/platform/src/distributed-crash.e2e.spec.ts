import fastify, { type FastifyInstance } from 'fastify';
import httpProxy from '@fastify/http-proxy';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { dropSchemaAndTopics, ENTRY_POINTS, eventually, PlatformProcess } from './testing/platform-process';
import { expectStock, PlatformClient, type SkuStock } from './testing/scenario';

/** As tools/distributed/start-distributed.ts routes them. */
const ROUTES = {
  inventory: ['/items', '/inventory', '/status'],
  warehouse: ['/warehouses'],
  order: ['/orders'],
  shipping: ['/shipments', '/expected-receipts'],
} as const;
type ServiceName = keyof typeof ROUTES;

/**
 * The distributed form as `npm run start:distributed` starts it (the relay, then one service-main.ts per
 * service on a shared schema and topic prefix, one proxy port), except that a service killed here is not
 * the end of everything: `restart` starts the same service again on the same port (the launcher, by
 * design, stops the rest and exits when a child dies).
 */
class Cluster {
  readonly services = new Map<ServiceName, PlatformProcess>();
  /** Every service process started, killed ones included (their logs). */
  readonly started: { name: ServiceName; process: PlatformProcess }[] = [];
  private readonly ports = new Map<ServiceName, string>();
  private relay: PlatformProcess | undefined;
  private proxy: FastifyInstance | undefined;
  url = '';

  constructor(readonly unique: string) {}

  private get env(): Record<string, string> {
    return {
      DATABASE_URL: process.env.DATABASE_URL!,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
      BINTRAIL_SCHEMA: this.unique,
      TOPIC_PARTITIONS: '2',
      BINTRAIL_TOPIC_PREFIX: this.unique,
      RELAY_TOPIC_PREFIX: this.unique,
      BINTRAIL_MODE: 'distributed',
      HOST: '127.0.0.1',
    };
  }

  async start(): Promise<string> {
    this.relay = new PlatformProcess(this.env, ENTRY_POINTS.relay); // creates the topics
    await this.relay.logged('relay started');
    for (const name of Object.keys(ROUTES) as ServiceName[]) await this.restart(name); // one at a time, as the launcher does
    this.proxy = fastify({ logger: false });
    for (const [name, prefixes] of Object.entries(ROUTES)) {
      for (const prefix of prefixes) await this.proxy.register(httpProxy, { upstream: `http://127.0.0.1:${this.ports.get(name as ServiceName)}`, prefix, rewritePrefix: prefix });
    }
    this.url = await this.proxy.listen({ port: 0, host: '127.0.0.1' });
    return this.url;
  }

  /** Starts the service (again, on the port it had); resolves when it listens. */
  async restart(name: ServiceName): Promise<void> {
    const service = new PlatformProcess({ ...this.env, BINTRAIL_SERVICE: name, PORT: this.ports.get(name) ?? '0' }, ENTRY_POINTS.service);
    this.services.set(name, service);
    this.started.push({ name, process: service });
    this.ports.set(name, new URL(await service.ready(90_000)).port);
  }

  /** The service's own URL (its /status shows its consumer group, which the proxy's /status does not). */
  urlOf(name: ServiceName): string {
    return `http://127.0.0.1:${this.ports.get(name)}`;
  }

  async kill9(name: ServiceName): Promise<void> {
    const service = this.services.get(name)!;
    await service.kill9();
    expect((await service.exit).signal).toBe('SIGKILL');
  }

  async cleanUp(): Promise<void> {
    await this.proxy?.close();
    await Promise.all([...this.services.values()].map((s) => s.stop()));
    await this.relay?.stop();
    await PlatformProcess.killAll();
    await dropSchemaAndTopics(this.unique);
  }
}

interface Acknowledged {
  readonly position: number;
  readonly id: string;
  readonly quantity: number;
}
interface Load {
  readonly receipts: Acknowledged[];
  readonly moves: Acknowledged[];
  readonly orders: Acknowledged[];
  /** Requests that got no answer or a 5xx (a service was down): not acknowledged, maybe stored. */
  failed: number;
  /** Requests refused with a 4xx (a move finding too little free stock at the dock): nothing stored. */
  refused: number;
}

/** Receipts, moves (DOCK → A-01) and one-unit orders, from five clients through the proxy, until `stop()`. */
function startLoad(url: string, sku: string, warehouse: string): { load: Load; stop: () => Promise<Load> } {
  const load: Load = { receipts: [], moves: [], orders: [], failed: 0, refused: 0 };
  let stopped = false;
  const client = new PlatformClient(url, 'distributed-crash-e2e');
  const writer = async (send: (n: number) => Promise<{ status: number; position: number; id: string; quantity: number; into: Acknowledged[] }>) => {
    for (let n = 0; !stopped; n++) {
      try {
        const { status, position, id, quantity, into } = await send(n);
        if (status === 201) into.push({ position, id, quantity });
        else if (status >= 500) load.failed += 1;
        else load.refused += 1;
        if (status !== 201) await new Promise((r) => setTimeout(r, 20)); // a service down answers at once: no busy loop
      } catch {
        load.failed += 1; // the connection broke under the request
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const receipt = async (n: number) => {
    const quantity = 1 + (n % 5);
    const answer = await client.send<{ receiptId: string }>('POST', `/warehouses/${warehouse}/receipts`, { sku, quantity });
    return { status: answer.status, position: answer.position, id: answer.body?.receiptId, quantity, into: load.receipts };
  };
  const move = async () => {
    const answer = await client.send('POST', `/warehouses/${warehouse}/moves`, { sku, quantity: 1, fromBin: 'DOCK', toBin: 'A-01' });
    return { status: answer.status, position: answer.position, id: '', quantity: 1, into: load.moves };
  };
  const order = async () => {
    const answer = await client.send<{ orderId: string }>('POST', '/orders', { lines: [{ sku, quantity: 1 }] });
    return { status: answer.status, position: answer.position, id: answer.body?.orderId, quantity: 1, into: load.orders };
  };
  const writers = Promise.all([writer(receipt), writer(receipt), writer(move), writer(order), writer(order)]);
  return {
    load,
    stop: async () => {
      stopped = true;
      await writers;
      return load;
    },
  };
}

/** The service consumer groups on the broker now: their members and the topics each was given. */
async function consumerGroups(prefix: string): Promise<{ group: string; members: { clientId: string; topics: string[] }[] }[]> {
  const admin = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups(['order', 'warehouse', 'shipping'].map((name) => `${prefix}.${name}`));
    return groups.map((g) => ({
      group: g.groupId,
      members: g.members.map((m) => ({ clientId: m.clientId, topics: Object.keys(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}) })),
    }));
  } finally {
    await admin.disconnect();
  }
}

interface StoredEvent {
  global_position: string;
  event_id: string;
  stream_id: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * kill -9 of service processes of the distributed form under HTTP load, each started again: nothing
 * acknowledged is lost, nothing is applied twice, the read models catch up and bins add up to the totals.
 */
describe('the distributed form under kill -9 of a service', () => {
  const unique = `crash_${Date.now().toString(36)}_${process.pid}`;
  const cluster = new Cluster(unique);
  const sku = 'SKU-CRASH';
  const warehouse = 'WHC';

  let stopLoad: (() => Promise<unknown>) | undefined;
  afterAll(async () => {
    await stopLoad?.();
    await cluster.cleanUp();
  }, 60_000);
  const progress = (line: string) => process.stdout.write(`distributed-crash e2e: ${line}\n`);

  it('loses no acknowledged command and applies none twice when the warehouse and order processes die under load', async () => {
    const started = Date.now();
    const url = await cluster.start();
    const client = new PlatformClient(url, 'distributed-crash-e2e');
    await client.command('PUT', `/items/${sku}`, { description: 'Crash-tested widget', unit: 'each' });
    await client.command('POST', '/warehouses', { code: warehouse, name: 'Crash' });
    await client.command('POST', `/warehouses/${warehouse}/bins`, { code: 'A-01', capacity: 100_000 });
    // Enough at the dock that every order is allocated at once: no back-order waits on the load's receipts.
    const opening = await client.command<{ receiptId: string }>('POST', `/warehouses/${warehouse}/receipts`, { sku, quantity: 1_000 });
    // One order before the load, once the order service knows the SKU (until then it answers 404).
    const first = await client.command<{ orderId: string }>('POST', '/orders', { lines: [{ sku, quantity: 1 }] });
    const setupMs = Date.now() - started;

    const { load, stop } = startLoad(url, sku, warehouse);
    stopLoad = stop;
    progress(`cluster up and set up in ${setupMs} ms`);
    const acknowledgedSoFar = () => load.receipts.length + load.moves.length + load.orders.length;
    const kills: string[] = [];
    for (const name of ['warehouse', 'order'] as const) {
      const before = { receipts: load.receipts.length, orders: load.orders.length, all: acknowledgedSoFar() };
      await eventually(() => expect(acknowledgedSoFar()).toBeGreaterThan(before.all + 30), 30_000); // under load

      const positionAtKill = Math.max(0, ...[...load.receipts, ...load.orders].map((a) => a.position));
      await cluster.kill9(name);
      const killedAt = Date.now();
      await cluster.restart(name);
      kills.push(`${name} down ${Date.now() - killedAt} ms`);
      progress(`${name} killed at about position ${positionAtKill}, back in ${Date.now() - killedAt} ms`);
      // The load goes on through the restarted process.
      const after = { receipts: load.receipts.length, orders: load.orders.length };
      await eventually(() => {
        expect(load.receipts.length).toBeGreaterThan(after.receipts + 5);
        expect(load.orders.length).toBeGreaterThan(after.orders + 5);
      }, 30_000);
      expect(load.receipts.length).toBeGreaterThan(before.receipts);
    }
    await stop();
    const loadMs = Date.now() - started - setupMs;

    // Read models catch up: a read at the highest acknowledged position answers 200 in every service.
    const highest = Math.max(opening.position, first.position, ...[...load.receipts, ...load.moves, ...load.orders].map((a) => a.position));
    for (const path of [`/inventory/${sku}`, `/warehouses/${warehouse}/bins/DOCK`, `/orders/${load.orders.at(-1)!.id}`]) {
      await eventually(async () => expect((await client.send('GET', `${path}?minPosition=${highest}`)).status).toBe(200), 30_000);
    }

    // The store is the truth: every acknowledged command's event is in it, at the position it was acknowledged with.
    const readStore = async (): Promise<StoredEvent[]> => {
      const db = new Client({ connectionString: process.env.DATABASE_URL });
      await db.connect();
      try {
        return (await db.query<StoredEvent>(`SELECT global_position, event_id, stream_id, type, data FROM "${unique}".events ORDER BY global_position`)).rows;
      } finally {
        await db.end();
      }
    };
    const events = await readStore();
    const at = new Map(events.map((e) => [Number(e.global_position), e]));
    const ofType = (type: string, from = events) => from.filter((e) => e.type === type && e.data.sku === sku);

    const receipts = ofType('warehouse.StockReceived');
    const receiptIds = receipts.map((e) => e.data.receiptId as string);
    expect(new Set(receiptIds).size).toBe(receiptIds.length); // no receipt stored twice
    for (const ack of [{ position: opening.position, id: opening.body.receiptId }, ...load.receipts]) {
      expect({ id: ack.id, at: at.get(ack.position)?.data.receiptId }).toEqual({ id: ack.id, at: ack.id });
    }
    const moves = ofType('warehouse.StockMoved');
    for (const ack of load.moves) expect(at.get(ack.position)).toMatchObject({ stream_id: `warehouse-${warehouse}`, type: 'warehouse.StockMoved' });
    const placed = events.filter((e) => e.type === 'order.OrderPlaced');
    const placedIds = placed.map((e) => e.data.orderId as string);
    expect(new Set(placedIds).size).toBe(placedIds.length);
    for (const ack of [{ id: first.body.orderId, position: first.position }, ...load.orders]) {
      const stream = placed.find((e) => e.data.orderId === ack.id)?.stream_id;
      expect({ order: ack.id, stream: at.get(ack.position)?.stream_id }).toEqual({ order: ack.id, stream: expect.stringContaining(ack.id) });
      expect(stream).toBe(at.get(ack.position)!.stream_id);
    }
    // What was stored but never acknowledged died with a process under its request.
    const unacknowledged = receipts.length - 1 - load.receipts.length + (moves.length - load.moves.length) + (placed.length - 1 - load.orders.length);
    expect(unacknowledged).toBeGreaterThanOrEqual(0);
    expect(unacknowledged).toBeLessThanOrEqual(load.failed);

    // Nothing applied twice: the read models' figures are exactly what the stored events imply — every
    // stored order (acknowledged or not) holds one unit, once the choreography has settled.
    const received = receipts.reduce((n, e) => n + (e.data.quantity as number), 0);
    const moved = moves.reduce((n, e) => n + (e.data.quantity as number), 0);
    const totals: SkuStock = await expectStock(client, sku, { [warehouse]: { onHand: received, reserved: placed.length, inTransit: 0 } }, { backOrdered: 0 }, 60_000);
    expect(totals.onHand).toBeGreaterThanOrEqual(1_000 + load.receipts.reduce((n, a) => n + a.quantity, 0));
    const { bins } = await client.read<{ bins: { bin: string; onHand: number }[] }>(`/inventory/${sku}/bins`);
    expect(Object.fromEntries(bins.map((b) => [b.bin, b.onHand]))).toEqual({ DOCK: received - moved, 'A-01': moved });
    // The order service records each allocation from the warehouse's events (Kafka): polled until it has.
    // Slow (about 40 s for 400 orders here): its allocation manager rewrites a state that grows by every event id it handles.
    const notAllocated = async () => {
      const at = await client.head();
      const views = [];
      for (let i = 0; i < placedIds.length; i += 50) {
        views.push(
          ...(await Promise.all(
            placedIds.slice(i, i + 50).map(async (orderId) => {
              const answer = await client.send<{ status: string; lines: { allocated: number }[] }>('GET', `/orders/${orderId}?minPosition=${at}`);
              return { orderId, http: answer.status, status: answer.body.status, allocated: answer.body.lines?.[0]?.allocated };
            }),
          )),
        );
      }
      return views.filter((v) => v.http !== 200 || v.status !== 'allocated' || v.allocated !== 1);
    };
    const orderStatus = async () => JSON.stringify(await (await fetch(`${cluster.urlOf('order')}/status`)).json());
    await eventually(async () => expect({ notAllocated: await notAllocated() }).toEqual({ notAllocated: [] }), 90_000).catch(async (error: Error) => {
      const stuck = new Set((await notAllocated()).map((v) => v.orderId));
      const now = await readStore();
      const placedAt = now.filter((e) => e.type === 'order.OrderPlaced' && stuck.has(e.data.orderId as string)).map((e) => Number(e.global_position));
      const count = (type: string) => now.filter((e) => e.type === type && stuck.has(e.data.orderId as string)).length;
      // Did the order group's consumer get their warehouse.StockAllocated events (its inbox), and did the allocation manager fold them in?
      const stuckAllocations = now.filter((e) => e.type === 'warehouse.StockAllocated' && stuck.has(e.data.orderId as string)).map((e) => e.event_id);
      const db = new Client({ connectionString: process.env.DATABASE_URL });
      await db.connect();
      const inInbox = (await db.query(`SELECT count(*)::int AS n FROM "${unique}".inbox WHERE consumer_group = 'order' AND event_id::text = ANY($1)`, [stuckAllocations])).rows[0] as { n: number };
      const manager = (await db.query(`SELECT state->'handled' AS handled FROM "${unique}".order_allocation_manager`)).rows[0] as { handled: Record<string, true> } | undefined;
      await db.end();
      error.message += `\nof their ${stuckAllocations.length} StockAllocated events, ${inInbox.n} are in the order group's inbox, ${stuckAllocations.filter((id) => manager?.handled[id]).length} in the allocation manager's handled set`;
      error.message += `\n${stuck.size} of ${placedIds.length} stuck, placed at positions ${Math.min(...placedAt)}..${Math.max(...placedAt)}; their events: ${['order.AllocationRequested', 'warehouse.StockAllocated', 'order.LineAllocated'].map((t) => `${t} ${count(t)}`).join(', ')}`;
      const problems = cluster.started.flatMap(({ name, process: p }) =>
        p.records.filter((r) => r.level === 'warn' || r.level === 'error').map((r) => `${name}/${p.child.pid}: ${r.level} ${r.message} ${JSON.stringify(r).slice(0, 400)}`),
      );
      error.message += `\n${problems.length} warnings and errors, the first:\n${[...new Set(problems)].slice(0, 15).join('\n')}`;
      error.message += `\norder service /status: ${await orderStatus()}\nconsumer groups: ${JSON.stringify(await consumerGroups(unique))}`;
      throw error;
    });
    // … and each order line was allocated once in the warehouse's stream and once in the order's.
    const settled = await readStore();
    const allocations = ofType('warehouse.StockAllocated', settled).map((e) => `${e.data.orderId as string}/${e.data.lineId as string}`);
    expect(new Set(allocations).size).toBe(allocations.length);
    expect(allocations).toHaveLength(placed.length);
    const allocatedInOrders = settled.filter((e) => e.type === 'order.LineAllocated').map((e) => e.data.orderId as string);
    expect(new Set(allocatedInOrders).size).toBe(allocatedInOrders.length);
    expect(allocatedInOrders).toHaveLength(placed.length);

    progress(`settled and checked ${Date.now() - started - setupMs - loadMs} ms after the load`);
    const manager = new Client({ connectionString: process.env.DATABASE_URL });
    await manager.connect();
    const { rows } = await manager.query(`SELECT (SELECT count(*) FROM jsonb_object_keys(state->'handled'))::int AS handled, octet_length(state::text) AS bytes FROM "${unique}".order_allocation_manager`);
    await manager.end();
    progress(`the order allocation manager's saved state (saved when its queue or holds change; none: never changed): ${JSON.stringify(rows[0] ?? null)}`);
    process.stdout.write(
      `distributed-crash e2e: setup ${setupMs} ms, load ${loadMs} ms (${kills.join(', ')}); acknowledged ${load.receipts.length} receipts, ${load.moves.length} moves, ` +
        `${load.orders.length} orders; ${load.failed} failed, ${load.refused} refused, ${unacknowledged} stored unacknowledged\n`,
    );
  }, 240_000);
});
