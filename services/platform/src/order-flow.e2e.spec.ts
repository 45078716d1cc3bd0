import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, PlatformProcess } from './testing/platform-process';
import { expectStock, PlatformClient, raceForStock } from './testing/scenario';

interface Answer<T> {
  readonly status: number;
  readonly body: T;
  readonly position: number;
}
interface BinQuantity {
  bin: string;
  quantity: number;
}
interface OrderView {
  orderId: string;
  status: string;
  placedAt: string;
  warehouses: string[];
  lines: {
    lineId: string;
    sku: string;
    ordered: number;
    allocated: number;
    awaiting: number;
    backOrdered: number;
    picked: number;
    cancelled: number;
    allocations: { warehouse: string; quantity: number; picked: number; pickList: BinQuantity[] }[];
  }[];
}
interface SkuStock {
  onHand: number;
  reserved: number;
  backOrdered: number;
  warehouses: { warehouse: string; onHand: number; reserved: number }[];
}
interface PickListView {
  orderId: string;
  unitsToPick: number;
  lines: { lineId: string; sku: string; toPick: BinQuantity[]; staged: number }[];
}

/** Statuses an order rests in until something outside the allocation choreography happens (a receipt, a pick, a cancel). */
const SETTLED = ['allocated', 'back-ordered', 'cancelled', 'picking', 'ready to ship'];

/**
 * The order flow through the running platform (embedded form): orders placed over HTTP, allocated by the
 * choreography between the order and warehouse consumer groups, picked (short picks re-allocated or
 * back-ordered), back-orders filled oldest first by later receipts, cancels releasing what was reserved,
 * and fifty buyers racing for ten units.
 */
describe('order flow over HTTP (embedded form)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-order-flow-'));
  let platform: PlatformProcess;
  let url: string;

  beforeAll(async () => {
    platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
    url = await platform.ready();
    for (const sku of ['SKU-A', 'SKU-B']) expect((await send('PUT', `/items/${sku}`, { description: sku, unit: 'each' })).status).toBe(201);
    expect((await post('/warehouses', { code: 'WH1', name: 'Main' })).status).toBe(201);
    for (const bin of ['A-01', 'A-02', 'B-01']) expect((await post('/warehouses/WH1/bins', { code: bin, capacity: 20 })).status).toBe(201);
  }, 90_000);
  afterAll(async () => {
    await PlatformProcess.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function send<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'x-correlation-id': 'order-flow-e2e', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T, position: Number(response.headers.get('bintrail-position') ?? NaN) };
  }
  const post = <T = Record<string, unknown>>(path: string, body: unknown) => send<T>('POST', path, body);
  const get = <T = Record<string, unknown>>(path: string) => send<T>('GET', path);
  const head = async () => (await get<{ head: number }>('/status')).body.head;

  /** The order once the choreography has nothing more in flight for it (polled; the read waits for the head it saw). */
  async function settled(orderId: string, accept: (o: OrderView) => boolean = () => true): Promise<OrderView> {
    return eventually(async () => {
      const { status, body } = await get<OrderView>(`/orders/${orderId}?minPosition=${await head()}`);
      expect(status).toBe(200);
      expect(SETTLED).toContain(body.status);
      expect(body.lines.every((l) => l.awaiting === 0)).toBe(true);
      expect(accept(body)).toBe(true);
      return body;
    }, 30_000);
  }

  /** Every unit of the SKU in a bin of WH1 adds up to the warehouse's on-hand in the inventory's totals. */
  async function expectBinsAddUp(sku: string): Promise<SkuStock> {
    const at = await head();
    const totals = (await get<SkuStock>(`/inventory/${sku}?minPosition=${at}`)).body;
    const bins = (await get<{ bins: { warehouse: string; onHand: number }[] }>(`/inventory/${sku}/bins?minPosition=${at}`)).body.bins;
    const wh1 = totals.warehouses.find((w) => w.warehouse === 'WH1')?.onHand ?? 0;
    expect(bins.filter((b) => b.warehouse === 'WH1').reduce((n, b) => n + b.onHand, 0)).toBe(wh1);
    return totals;
  }

  it('allocates an order from two bins, re-allocates a short pick, and a cancel releases what was reserved', async () => {
    expect((await post('/warehouses/WH1/receipts', { sku: 'SKU-A', quantity: 100 })).status).toBe(201);
    expect((await post('/warehouses/WH1/putaways', { sku: 'SKU-A', quantity: 20, fromBin: 'DOCK', toBin: 'A-01' })).status).toBe(201);
    expect((await post('/warehouses/WH1/putaways', { sku: 'SKU-A', quantity: 20, fromBin: 'DOCK', toBin: 'A-02' })).status).toBe(201);

    const placed = await post<{ orderId: string; status: string; warehouses: string[]; lines: { lineId: string }[] }>('/orders', { lines: [{ sku: 'SKU-A', quantity: 30 }], customerRef: 'C-1' });
    expect(placed).toMatchObject({ status: 201, body: { warehouses: ['WH1'], lines: [{ lineId: 'L1', sku: 'SKU-A', quantity: 30 }] } });
    expect(placed.position).toBeGreaterThan(0);
    const { orderId } = placed.body;

    // Storage bins first, fullest first: one bin (capacity 20) is not enough for 30.
    const allocated = await settled(orderId);
    expect(allocated).toMatchObject({
      status: 'allocated',
      lines: [{ ordered: 30, allocated: 30, backOrdered: 0, allocations: [{ warehouse: 'WH1', quantity: 30, pickList: [{ bin: 'A-01', quantity: 20 }, { bin: 'A-02', quantity: 10 }] }] }],
    });
    const pickList = await get<PickListView>(`/warehouses/WH1/pick-lists/${orderId}?minPosition=${await head()}`);
    expect(pickList.body).toMatchObject({ orderId, unitsToPick: 30, lines: [{ sku: 'SKU-A', toPick: [{ bin: 'A-01', quantity: 20 }, { bin: 'A-02', quantity: 10 }], staged: 0 }] });
    const open = await get<{ pickLists: PickListView[] }>(`/warehouses/WH1/pick-lists?minPosition=${await head()}`);
    expect(open.body.pickLists.map((p) => p.orderId)).toContain(orderId);
    expect((await get<SkuStock>(`/inventory/SKU-A?minPosition=${await head()}`)).body).toMatchObject({ onHand: 100, reserved: 30, backOrdered: 0 });

    // Over-picks are refused and change nothing.
    const over = await post(`/warehouses/WH1/pick-lists/${orderId}/picks`, { bin: 'A-01', sku: 'SKU-A', quantity: 21 });
    expect(over).toMatchObject({ status: 409, body: { code: 'OverPick' } });
    expect((await post(`/warehouses/WH1/pick-lists/${orderId}/picks`, { bin: 'B-01', sku: 'SKU-A', quantity: 1 })).status).toBe(409);

    // A short pick: 15 of 20 found in A-01; the other 5 come from A-02 in the same decision.
    const short = await post<{ picked: number; shortPick: { reallocations: BinQuantity[]; unfilledQuantity: number } }>(`/warehouses/WH1/pick-lists/${orderId}/picks`, {
      bin: 'A-01',
      sku: 'SKU-A',
      quantity: 20,
      pickedQuantity: 15,
    });
    expect(short).toMatchObject({ status: 201, body: { picked: 15, shortPick: { reallocations: [{ bin: 'A-02', quantity: 5 }], unfilledQuantity: 0 } } });
    const picking = await settled(orderId, (o) => o.lines[0]!.picked === 15);
    expect(picking).toMatchObject({ status: 'picking', lines: [{ allocated: 30, backOrdered: 0, picked: 15, allocations: [{ quantity: 30, picked: 15, pickList: [{ bin: 'A-02', quantity: 15 }] }] }] });
    await expectBinsAddUp('SKU-A');

    // Cancel: every reserved unit (the picked ones in STAGING too) is released.
    const cancelled = await post<{ status: string; releases: { quantity: number }[] }>(`/orders/${orderId}/cancel`, { reason: 'customer changed their mind' });
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled', releases: [{ warehouse: 'WH1', quantity: 30 }] } });
    await eventually(async () => expect((await get<SkuStock>(`/inventory/SKU-A?minPosition=${await head()}`)).body).toMatchObject({ onHand: 100, reserved: 0 }), 30_000);
    expect((await settled(orderId)).status).toBe('cancelled');
    const released = await get<PickListView>(`/warehouses/WH1/pick-lists/${orderId}?minPosition=${await head()}`);
    expect(released.body).toMatchObject({ unitsToPick: 0, lines: [{ toPick: [], staged: 0 }] });
    await expectBinsAddUp('SKU-A');
    expect((await post(`/orders/${orderId}/cancel`, {})).status).toBe(200); // cancelling again changes nothing
  }, 120_000);

  it('back-orders what a short pick cannot cover, and fills it from a later receipt', async () => {
    expect((await post('/warehouses/WH1/receipts', { sku: 'SKU-B', quantity: 8, bin: 'B-01' })).status).toBe(201);
    const { orderId } = (await post<{ orderId: string }>('/orders', { lines: [{ sku: 'SKU-B', quantity: 8 }] })).body;
    expect(await settled(orderId)).toMatchObject({ status: 'allocated', lines: [{ allocated: 8, allocations: [{ pickList: [{ bin: 'B-01', quantity: 8 }] }] }] });

    // Only 5 found, and no other bin holds SKU-B: 3 units are unfilled and the order back-orders them.
    const short = await post(`/warehouses/WH1/pick-lists/${orderId}/picks`, { bin: 'B-01', sku: 'SKU-B', quantity: 8, pickedQuantity: 5 });
    expect(short).toMatchObject({ status: 201, body: { picked: 5, shortPick: { reallocations: [], unfilledQuantity: 3 } } });
    // Still 'picking' (units were picked), with 3 of its units back-ordered.
    expect(await settled(orderId, (o) => o.lines[0]!.backOrdered === 3)).toMatchObject({ status: 'picking', lines: [{ ordered: 8, allocated: 5, backOrdered: 3, picked: 5 }] });
    await eventually(async () => expect((await get<SkuStock>(`/inventory/SKU-B?minPosition=${await head()}`)).body).toMatchObject({ backOrdered: 3 }));

    // Stock arrives at the dock: the back-order is asked for again and filled from there.
    expect((await post('/warehouses/WH1/receipts', { sku: 'SKU-B', quantity: 3 })).status).toBe(201);
    const filled = await settled(orderId, (o) => o.lines[0]!.backOrdered === 0);
    expect(filled).toMatchObject({ lines: [{ ordered: 8, allocated: 8, backOrdered: 0, picked: 5 }] });
    expect(filled.lines[0]!.allocations[0]!.pickList).toEqual([{ bin: 'DOCK', quantity: 3 }]);
    await eventually(async () => expect((await get<SkuStock>(`/inventory/SKU-B?minPosition=${await head()}`)).body).toMatchObject({ backOrdered: 0, reserved: 8 }));
    await expectBinsAddUp('SKU-B');
  }, 120_000);

  it('fifty buyers racing for ten units: exactly ten allocated, forty back-ordered, filled oldest first', async () => {
    // The race and the five oldest back-orders filled by five more units: testing/scenario.ts, shared with the distributed form.
    const race = await raceForStock(url, { runId: 'RACE', refill: 5, log: (line) => process.stdout.write(`order-flow e2e: ${line}\n`) });
    const { sku, warehouse, backOrdered: oldestFirst } = race;

    // A back-ordered order cancelled: its back-order goes from the totals.
    expect((await post(`/orders/${oldestFirst[10]!.orderId}/cancel`, {})).status).toBe(200);
    await expectStock(new PlatformClient(url), sku, { [warehouse]: { onHand: 15, reserved: 15 } }, { backOrdered: 34 });
    const status = await get<{ projections: { parked: number }[]; consumers: { groupId: string; parked: number; stuck?: unknown }[] }>('/status');
    expect(status.body.projections.every((p) => p.parked === 0)).toBe(true);
    expect(status.body.consumers.map((c) => c.groupId).sort()).toEqual(['order', 'shipping', 'warehouse']);
    expect(status.body.consumers.every((c) => c.parked === 0 && c.stuck === undefined)).toBe(true);

    // The allocation manager's back-order queue survives a restart: the next five oldest get the next five units.
    expect(await platform.stop()).toBe(0);
    platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
    url = await platform.ready();
    expect((await post(`/warehouses/${warehouse}/receipts`, { sku, quantity: 5 })).status).toBe(201);
    await expectStock(new PlatformClient(url), sku, { [warehouse]: { onHand: 20, reserved: 20 } }, { backOrdered: 29 });
    const afterRestart = await Promise.all(oldestFirst.map((o) => settled(o.orderId)));
    expect(afterRestart.map((o) => o.status)).toEqual([...Array(10).fill('allocated'), 'cancelled', ...Array(29).fill('back-ordered')]);
  }, 120_000);

  it('refuses an unknown SKU (404), an empty order (400) and an unknown order (404)', async () => {
    expect(await post('/orders', { lines: [{ sku: 'NOPE', quantity: 1 }] })).toMatchObject({ status: 404, body: { code: 'ItemNotFound', sku: 'NOPE' } });
    expect((await post('/orders', { lines: [] })).status).toBe(400);
    expect((await post('/orders', { lines: [{ sku: 'SKU-A', quantity: 0 }] })).status).toBe(400);
    expect((await get('/orders/no-such-order')).status).toBe(404);
    expect(await post('/orders/no-such-order/cancel', {})).toMatchObject({ status: 404, body: { code: 'OrderNotFound' } });
  }, 60_000);
});
