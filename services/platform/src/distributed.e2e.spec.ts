import { DistributedLauncher, eventually } from './testing/platform-process';

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

/**
 * `npm run start:distributed` as a child process (real PostgreSQL, real Kafka; its own schema and topic
 * prefix): the relay and one process per service behind one proxy port. An order placed through the proxy
 * is allocated by the warehouse service in another process (order → Kafka → warehouse → Kafka → order),
 * and Ctrl+C stops every process the launcher started.
 */
describe('npm run start:distributed (one process per service on PostgreSQL + Kafka)', () => {
  const unique = `dist_${Date.now().toString(36)}_${process.pid}`;
  let launcher: DistributedLauncher;
  let url: string;

  beforeAll(async () => {
    launcher = new DistributedLauncher(unique);
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

  it("GET /status through the proxy aggregates every service's own /status and the relay's; each service's port still answers its own", async () => {
    interface ServiceStatus {
      mode: string;
      head: number;
      projections: { projection: string }[];
      consumerLag?: { groupId: string; events: number; seconds: number | null }[];
    }
    const services = ['inventory', 'warehouse', 'order', 'shipping'];
    const relayPid = Number(/relay started \(pid (\d+)\)/.exec(launcher.output)![1]);
    const aggregate = await eventually(async () => {
      const answer = await call<{ mode: string; ok: boolean; services: Record<string, ServiceStatus>; relay: { pid: number; running: boolean; active: boolean; checkpoint: number } }>('GET', '/status');
      expect(answer.status).toBe(200);
      expect(answer.body.ok).toBe(true);
      return answer.body;
    }, 15_000);
    expect(aggregate.mode).toBe('distributed');
    expect(Object.keys(aggregate.services).sort()).toEqual([...services].sort());
    expect(aggregate.relay).toMatchObject({ pid: relayPid, running: true, active: true, checkpoint: expect.any(Number) });
    for (const name of services) {
      const serviceUrl = new RegExp(`${name} service on (http://\\S+) \\(pid`).exec(launcher.output)![1]!; // its own port, not the proxy's
      const own = await fetch(`${serviceUrl}/status`);
      expect(own.status).toBe(200);
      const ownBody = (await own.json()) as ServiceStatus & { services?: unknown };
      expect(ownBody.mode).toBe('distributed');
      expect(ownBody.services).toBeUndefined(); // its own status, not the aggregate
      expect(aggregate.services[name]).toMatchObject({ mode: 'distributed', head: expect.any(Number) });
      expect(aggregate.services[name]!.projections.map((p) => p.projection)).toEqual(ownBody.projections.map((p) => p.projection));
      // Each service with event handlers shows its Kafka consumer group's lag, so a slow one reads as behind, not broken.
      const lag = ownBody.consumerLag ?? [];
      if (name === 'inventory') expect(lag).toEqual([]);
      else expect(lag).toEqual([expect.objectContaining({ groupId: expect.stringContaining(name), events: expect.any(Number) })]);
    }
  }, 30_000);

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
  let launcher: DistributedLauncher | undefined;
  afterAll(() => launcher?.cleanUp(), 30_000);

  it('says which died, stops the rest and exits 1', async () => {
    launcher = new DistributedLauncher(`dist_${Date.now().toString(36)}_${process.pid}_die`);
    await launcher.ready();
    const pids = launcher.pids;
    const warehouse = launcher.pidOf('warehouse');
    process.kill(warehouse, 'SIGKILL');
    expect(await launcher.exited).toEqual({ code: 1, signal: null });
    expect(launcher.output).toContain(`warehouse (pid ${warehouse}) died (exit code null, signal SIGKILL): stopping everything else`);
    expect(pids.filter(alive)).toEqual([]);
  }, 90_000);
});
