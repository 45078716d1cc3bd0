import { eventually } from './platform-process';

/**
 * The whole life of one SKU through the running platform's HTTP API, the same steps whichever form
 * serves `baseUrl` (embedded: one process; distributed: one process per service behind the proxy):
 * receive → put away → move → order picked from two bins with a short pick → ship and deliver → ASN in
 * transit until received → count with a loss → back-order filled by a receipt → transfer WH1 → WH2.
 * After every step that changes stock, the stock invariant holds (see expectStock).
 */

export interface ScenarioOptions {
  /** Unique per run (upper-case letters and digits): the SKU and warehouse codes are made from it. */
  readonly runId: string;
  /** How long to wait for an asynchronous outcome (an allocation, a shipment) before failing. */
  readonly timeoutMs?: number;
  /** Told each step's name and duration as it ends (also when it fails). */
  readonly log?: (line: string) => void;
}

export interface ScenarioResult {
  readonly sku: string;
  readonly warehouses: readonly [string, string];
  /** Each step's name and how long it took, in order. */
  readonly steps: readonly { readonly step: string; readonly ms: number }[];
}

export interface Answer<T> {
  readonly status: number;
  readonly body: T;
  /** `bintrail-position`: the global position of the last event a command caused (NaN for a refusal or a read). */
  readonly position: number;
}

interface BinQuantity {
  bin: string;
  quantity: number;
}
interface WarehouseStock {
  warehouse: string;
  onHand: number;
  reserved: number;
  available: number;
  inTransit: number;
}
export interface SkuStock {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
  inTransit: number;
  backOrdered: number;
  warehouses: WarehouseStock[];
}
interface SkuBins {
  bins: { warehouse: string; bin: string; onHand: number; reserved: number; available: number }[];
}
interface BinView {
  waitingForCount: boolean;
  skus: { sku: string; onHand: number; allocated: number; available: number }[];
}
export interface OrderView {
  orderId: string;
  status: string;
  placedAt: string;
  lines: { sku: string; ordered: number; allocated: number; backOrdered: number; picked: number; shipped: number; awaiting: number; allocations: { warehouse: string; quantity: number; pickList: BinQuantity[] }[] }[];
}
interface PickListView {
  unitsToPick: number;
  lines: { sku: string; toPick: BinQuantity[]; staged: number }[];
}
interface PickAnswer {
  picked: number;
  shortPick: { reallocations: BinQuantity[]; unfilledQuantity: number } | null;
}
interface ShipmentView {
  shipmentId: string;
  status: string;
}
interface TransferView {
  status: string;
  picked: number;
  dispatched: number;
  received: number;
  discrepancy?: unknown;
}

/** An HTTP client for the platform that remembers the highest position any command was acknowledged at. */
export class PlatformClient {
  highestPosition = 0;

  constructor(
    readonly baseUrl: string,
    private readonly correlationId = 'scenario-e2e',
  ) {}

  async send<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { 'x-correlation-id': this.correlationId, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const position = Number(response.headers.get('bintrail-position') ?? NaN);
    if (position > this.highestPosition) this.highestPosition = position;
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, position };
  }

  /** The global log's head (GET /status). */
  async head(): Promise<number> {
    return (await this.send<{ head: number }>('GET', '/status')).body.head;
  }

  /**
   * A command expected to succeed with `status`. While another service has not yet read of the SKU or
   * warehouse from the log it answers 404 with the domain error's code (and stores nothing), so that is
   * retried; a 404 without a code (no such route) is not.
   */
  async command<T = Record<string, unknown>>(method: string, path: string, body: unknown, status: number | readonly number[] = 201, timeoutMs = 30_000): Promise<Answer<T>> {
    const answer = await eventually(async () => {
      const sent = await this.send<T>(method, path, body);
      if (sent.status === 404 && (sent.body as { code?: string } | undefined)?.code) throw new Error(`${method} ${path} ${JSON.stringify(body)} → 404 ${JSON.stringify(sent.body)}`);
      return sent;
    }, timeoutMs);
    if (!(typeof status === 'number' ? [status] : status).includes(answer.status)) throw new Error(`${method} ${path} ${JSON.stringify(body)} → ${answer.status} ${JSON.stringify(answer.body)}, expected ${status}`);
    return answer;
  }

  /** A read once every read model has applied the log up to its head now (read-your-writes; a 503 is retried). */
  async read<T>(path: string, timeoutMs = 30_000): Promise<T> {
    const at = Math.max(await this.head(), this.highestPosition);
    return eventually(async () => {
      const answer = await this.send<T>('GET', `${path}${path.includes('?') ? '&' : '?'}minPosition=${at}`);
      if (answer.status !== 200) throw new Error(`GET ${path} (minPosition ${at}) → ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    }, timeoutMs);
  }
}

/** Each warehouse's expected figures; a warehouse not named must hold nothing. */
export type ExpectedStock = Readonly<Record<string, Partial<Pick<WarehouseStock, 'onHand' | 'reserved' | 'inTransit'>>>>;

/**
 * The stock invariant, read at one log position: for each warehouse the sum over its bins (the inventory's
 * bin view, and the warehouse service's own bin read model) equals its on-hand in the totals, reserved
 * adds up the same way and is at most on-hand, nothing is negative, and the SKU's totals are the sum of
 * its warehouses. Polled until it holds with the expected figures (asynchronous reactions may still run).
 */
export async function expectStock(client: PlatformClient, sku: string, expected: ExpectedStock, extra: Partial<Pick<SkuStock, 'backOrdered' | 'available'>> = {}, timeoutMs = 30_000): Promise<SkuStock> {
  return eventually(async () => {
    const totals = await client.read<SkuStock>(`/inventory/${sku}`);
    const { bins } = await client.read<SkuBins>(`/inventory/${sku}/bins`);
    for (const w of totals.warehouses) {
      const inBins = bins.filter((b) => b.warehouse === w.warehouse);
      expect({ warehouse: w.warehouse, onHand: inBins.reduce((n, b) => n + b.onHand, 0), reserved: inBins.reduce((n, b) => n + b.reserved, 0) }).toEqual({
        warehouse: w.warehouse,
        onHand: w.onHand,
        reserved: w.reserved,
      });
      expect(w.reserved).toBeLessThanOrEqual(w.onHand);
      expect(w.available).toBe(w.onHand - w.reserved);
      for (const figure of [w.onHand, w.reserved, w.inTransit]) expect(figure).toBeGreaterThanOrEqual(0);
      for (const b of inBins) {
        expect(Math.min(b.onHand, b.reserved, b.available)).toBeGreaterThanOrEqual(0);
        expect(b.reserved).toBeLessThanOrEqual(b.onHand);
        const view = await client.read<BinView>(`/warehouses/${w.warehouse}/bins/${b.bin}`);
        expect({ bin: `${w.warehouse}/${b.bin}`, onHand: view.skus.find((s) => s.sku === sku)?.onHand ?? 0 }).toEqual({ bin: `${w.warehouse}/${b.bin}`, onHand: b.onHand });
      }
    }
    expect(bins.every((b) => totals.warehouses.some((w) => w.warehouse === b.warehouse))).toBe(true);
    for (const figure of ['onHand', 'reserved', 'inTransit'] as const) expect(totals[figure]).toBe(totals.warehouses.reduce((n, w) => n + w[figure], 0));
    expect(totals.backOrdered).toBeGreaterThanOrEqual(0);

    const actual = Object.fromEntries(totals.warehouses.filter((w) => w.onHand + w.reserved + w.inTransit > 0).map((w) => [w.warehouse, w]));
    const wanted = Object.fromEntries(Object.entries(expected).map(([warehouse, figures]) => [warehouse, expect.objectContaining(figures)]));
    expect(actual).toEqual(wanted);
    expect(totals).toMatchObject(extra);
    return totals;
  }, timeoutMs);
}

/** Runs the full scenario against the platform at `baseUrl`; throws (a failed expectation) at the first step that goes wrong. */
export async function runFullScenario(baseUrl: string, options: ScenarioOptions): Promise<ScenarioResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const client = new PlatformClient(baseUrl, `scenario-${options.runId}`);
  const sku = `SKU-${options.runId}`;
  const [wh1, wh2] = [`${options.runId}-1`, `${options.runId}-2`] as const;
  const steps: { step: string; ms: number }[] = [];
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await run();
    } catch (error) {
      if (error instanceof Error) error.message = `scenario step '${name}' failed: ${error.message}`;
      throw error;
    } finally {
      steps.push({ step: name, ms: Date.now() - started });
      options.log?.(`${name}: ${Date.now() - started} ms`);
    }
  };
  const post = <T = Record<string, unknown>>(path: string, body: unknown, status = 201) => client.command<T>('POST', path, body, status, timeoutMs);
  const stock = (expected: ExpectedStock, extra: Partial<Pick<SkuStock, 'backOrdered'>> = {}) => expectStock(client, sku, expected, extra, timeoutMs);
  const order = (orderId: string, accept: (o: OrderView) => void) =>
    eventually(async () => {
      const found = await client.read<OrderView>(`/orders/${orderId}`);
      accept(found);
      return found;
    }, timeoutMs);

  await step('item, two warehouses and their bins', async () => {
    await client.command('PUT', `/items/${sku}`, { description: `Scenario widget ${options.runId}`, unit: 'each' }, 201);
    await post(`/warehouses`, { code: wh1, name: 'Scenario main' });
    await post(`/warehouses`, { code: wh2, name: 'Scenario branch' });
    for (const [code, capacity] of [['A-01', 60], ['A-02', 40], ['A-03', 25], ['A-04', 25]] as const) await post(`/warehouses/${wh1}/bins`, { code, zone: 'A', capacity });
    await post(`/warehouses/${wh2}/bins`, { code: 'B-01', zone: 'B', capacity: 100 });
  });

  await step('receive 100 into the dock', async () => {
    const receipt = await post(`/warehouses/${wh1}/receipts`, { sku, quantity: 100 });
    expect(receipt.body).toMatchObject({ bin: 'DOCK', quantity: 100 });
    await stock({ [wh1]: { onHand: 100, reserved: 0 } });
  });

  await step('put away 60 + 40 (capacities force two bins)', async () => {
    expect((await post(`/warehouses/${wh1}/putaways`, { sku, quantity: 60, fromBin: 'DOCK', toBin: 'A-01' })).body).toMatchObject({ toBin: 'A-01', quantity: 60 });
    // Suggested: A-01 is full, A-03/A-04 are too small for 40; only A-02 takes it.
    expect((await post(`/warehouses/${wh1}/putaways`, { sku, quantity: 40, fromBin: 'DOCK' })).body).toMatchObject({ toBin: 'A-02', quantity: 40, suggested: true });
    await stock({ [wh1]: { onHand: 100, reserved: 0 } });
  });

  await step('move stock so that no bin holds 30', async () => {
    await post(`/warehouses/${wh1}/moves`, { sku, quantity: 25, fromBin: 'A-01', toBin: 'A-03' });
    await post(`/warehouses/${wh1}/moves`, { sku, quantity: 10, fromBin: 'A-01', toBin: 'A-04' });
    await post(`/warehouses/${wh1}/moves`, { sku, quantity: 15, fromBin: 'A-02', toBin: 'A-04' });
    const { bins } = await client.read<SkuBins>(`/inventory/${sku}/bins`);
    expect(bins.map((b) => [b.bin, b.onHand])).toEqual([['A-01', 25], ['A-02', 25], ['A-03', 25], ['A-04', 25]]);
    await stock({ [wh1]: { onHand: 100, reserved: 0 } });
  });

  const orderId = await step('order 30: the pick list names two bins', async () => {
    const placed = await post<{ orderId: string }>('/orders', { lines: [{ sku, quantity: 30 }], customerRef: `scenario-${options.runId}` });
    const { orderId } = placed.body;
    const allocated = await order(orderId, (o) => expect(o.status).toBe('allocated'));
    expect(allocated.lines[0]).toMatchObject({ ordered: 30, allocated: 30, backOrdered: 0 });
    // Fullest storage bins first, ties by code: 25 from A-01 and the other 5 from A-02.
    expect(allocated.lines[0]!.allocations).toEqual([expect.objectContaining({ warehouse: wh1, quantity: 30, pickList: [{ bin: 'A-01', quantity: 25 }, { bin: 'A-02', quantity: 5 }] })]);
    const pickList = await client.read<PickListView>(`/warehouses/${wh1}/pick-lists/${orderId}`);
    expect(pickList).toMatchObject({ unitsToPick: 30, lines: [{ sku, toPick: [{ bin: 'A-01', quantity: 25 }, { bin: 'A-02', quantity: 5 }], staged: 0 }] });
    await stock({ [wh1]: { onHand: 100, reserved: 30 } });
    return orderId;
  });

  await step('pick with a short pick: re-allocated elsewhere, the bin waits for a count', async () => {
    const short = await post<PickAnswer>(`/warehouses/${wh1}/pick-lists/${orderId}/picks`, { bin: 'A-01', sku, quantity: 25, pickedQuantity: 20 });
    expect(short.body.picked).toBe(20);
    // 5 short: other bins have free units, so all 5 are re-allocated (none from A-01), nothing back-ordered.
    expect(short.body.shortPick).toMatchObject({ unfilledQuantity: 0 });
    const reallocations = short.body.shortPick!.reallocations;
    expect(reallocations.reduce((n, r) => n + r.quantity, 0)).toBe(5);
    expect(reallocations.map((r) => r.bin)).not.toContain('A-01');
    expect((await client.read<BinView>(`/warehouses/${wh1}/bins/A-01`)).waitingForCount).toBe(true);
    await stock({ [wh1]: { onHand: 100, reserved: 30 } });

    const rest = await client.read<PickListView>(`/warehouses/${wh1}/pick-lists/${orderId}`);
    expect(rest).toMatchObject({ unitsToPick: 10, lines: [{ staged: 20 }] });
    expect(rest.lines[0]!.toPick.map((p) => p.bin)).not.toContain('A-01');
    for (const { bin, quantity } of rest.lines[0]!.toPick) {
      expect((await post<PickAnswer>(`/warehouses/${wh1}/pick-lists/${orderId}/picks`, { bin, sku, quantity })).body).toMatchObject({ picked: quantity, shortPick: null });
    }
    expect(await client.read<PickListView>(`/warehouses/${wh1}/pick-lists/${orderId}`)).toMatchObject({ unitsToPick: 0, lines: [{ toPick: [], staged: 30 }] });
    await order(orderId, (o) => expect(o).toMatchObject({ status: 'ready to ship', lines: [{ picked: 30, backOrdered: 0 }] }));
    await stock({ [wh1]: { onHand: 100, reserved: 30 } });
  });

  await step('the shipment opens, is dispatched and delivered', async () => {
    const shipment = await eventually(async () => {
      const { shipments } = await client.read<{ shipments: ShipmentView[] }>(`/shipments?orderId=${orderId}`);
      expect(shipments).toHaveLength(1);
      return shipments[0]!;
    }, timeoutMs);
    expect(shipment.status).toBe('opened');
    const dispatched = await post<ShipmentView>(`/shipments/${shipment.shipmentId}/dispatch`, { carrier: 'DHL', trackingNumber: `JD-${options.runId}` }, 200);
    expect(dispatched.body.status).toBe('dispatched');
    await stock({ [wh1]: { onHand: 70, reserved: 0 } });
    await order(orderId, (o) => expect(o).toMatchObject({ status: 'shipped', lines: [{ shipped: 30 }] }));
    expect((await post<ShipmentView>(`/shipments/${shipment.shipmentId}/deliver`, {}, 200)).body.status).toBe('delivered');
    await order(orderId, (o) => expect(o.status).toBe('delivered'));
  });

  await step('an ASN is in transit until a receipt naming it books it', async () => {
    const asn = await post<{ asnId: string }>('/expected-receipts', { warehouse: wh1, lines: [{ sku, quantity: 20 }], eta: '2026-12-24' });
    await stock({ [wh1]: { onHand: 70, reserved: 0, inTransit: 20 } });
    expect((await post(`/warehouses/${wh1}/receipts`, { sku, quantity: 20, expectedReceiptId: asn.body.asnId })).body).toMatchObject({ bin: 'DOCK', quantity: 20 });
    await stock({ [wh1]: { onHand: 90, reserved: 0, inTransit: 0 } });
  });

  await step('a count finds a loss: adjustment, on-hand down', async () => {
    // A-01 holds 5 on paper; the short pick found them missing. The count confirms the loss and clears the flag.
    const counted = await post(`/warehouses/${wh1}/counts`, { bin: 'A-01', sku, countedQuantity: 0, reason: 'lost' });
    expect(counted.body).toMatchObject({ previousQuantity: 5, countedQuantity: 0, adjustment: { delta: -5, reason: 'lost' } });
    expect((await client.read<BinView>(`/warehouses/${wh1}/bins/A-01`)).waitingForCount).toBe(false);
    await stock({ [wh1]: { onHand: 85, reserved: 0 } });
  });

  await step('a back-order is filled by a later receipt', async () => {
    const { orderId: big } = (await post<{ orderId: string }>('/orders', { lines: [{ sku, quantity: 95 }] })).body;
    const waiting = await order(big, (o) => expect(o.lines[0]!.awaiting).toBe(0));
    expect(waiting.lines[0]).toMatchObject({ ordered: 95, allocated: 85, backOrdered: 10 });
    await stock({ [wh1]: { onHand: 85, reserved: 85 } }, { backOrdered: 10 });
    await post(`/warehouses/${wh1}/receipts`, { sku, quantity: 30 });
    await order(big, (o) => expect(o).toMatchObject({ status: 'allocated', lines: [{ ordered: 95, allocated: 95, backOrdered: 0 }] }));
    await stock({ [wh1]: { onHand: 115, reserved: 95 } }, { backOrdered: 0 });
  });

  await step('transfer 15 from WH1 to WH2', () => transferBetweenWarehouses(client, { sku, from: wh1, to: wh2, quantity: 15, runId: options.runId, timeoutMs }));

  return { sku, warehouses: [wh1, wh2], steps };
}

/**
 * The last step: `POST /transfers` → the source picks the transfer's pick list (`transfer-<id>`) →
 * dispatch (on-hand leaves the source, in transit to the destination) → receive at the destination's dock.
 * Expects 20 free units in `from` (115 on hand, 95 reserved) and nothing in `to`.
 */
async function transferBetweenWarehouses(client: PlatformClient, t: { sku: string; from: string; to: string; quantity: number; runId: string; timeoutMs: number }): Promise<void> {
  const { sku, from, to, quantity, timeoutMs } = t;
  const post = <T = Record<string, unknown>>(path: string, body: unknown, status: number | readonly number[] = 201) => client.command<T>('POST', path, body, status, timeoutMs);
  const transfer = (accept: (v: TransferView) => void) =>
    eventually(async () => {
      const found = await client.read<TransferView>(`/transfers/${transferId}`);
      accept(found);
      return found;
    }, timeoutMs);

  const requested = await post<{ transferId: string }>('/transfers', { sku, quantity, fromWarehouse: from, toWarehouse: to });
  const { transferId } = requested.body;
  expect(typeof transferId).toBe('string');
  const pickListId = `transfer-${transferId}`;
  const pickList = await eventually(async () => {
    const found = await client.read<PickListView>(`/warehouses/${from}/pick-lists/${pickListId}`);
    expect(found.unitsToPick).toBe(quantity);
    return found;
  }, timeoutMs);
  await expectStock(client, sku, { [from]: { onHand: 115, reserved: 95 + quantity } }, {}, timeoutMs);

  for (const { bin, quantity: toPick } of pickList.lines.flatMap((l) => l.toPick)) {
    expect((await post<PickAnswer>(`/warehouses/${from}/pick-lists/${pickListId}/picks`, { bin, sku, quantity: toPick })).body).toMatchObject({ picked: toPick });
  }
  expect(await client.read<PickListView>(`/warehouses/${from}/pick-lists/${pickListId}`)).toMatchObject({ unitsToPick: 0 });
  await transfer((v) => expect(v).toMatchObject({ picked: quantity }));
  await expectStock(client, sku, { [from]: { onHand: 115, reserved: 95 + quantity } }, {}, timeoutMs);

  await post(`/transfers/${transferId}/dispatch`, { carrier: 'DHL', trackingNumber: `TR-${t.runId}` }, [200, 201]);
  await transfer((v) => expect(v).toMatchObject({ status: 'dispatched', picked: quantity, dispatched: quantity }));
  await expectStock(client, sku, { [from]: { onHand: 115 - quantity, reserved: 95 }, [to]: { onHand: 0, inTransit: quantity } }, {}, timeoutMs);

  await post(`/transfers/${transferId}/receive`, { quantity }, [200, 201]);
  const received = await transfer((v) => expect(v).toMatchObject({ status: 'received', dispatched: quantity, received: quantity }));
  expect(received.discrepancy ?? null).toBeNull();
  const after = await expectStock(client, sku, { [from]: { onHand: 115 - quantity, reserved: 95 }, [to]: { onHand: quantity, inTransit: 0 } }, {}, timeoutMs);
  expect(after).toMatchObject({ onHand: 115, inTransit: 0 });
  const { bins } = await client.read<SkuBins>(`/inventory/${sku}/bins`);
  expect(bins.filter((b) => b.warehouse === to)).toEqual([expect.objectContaining({ bin: 'DOCK', onHand: quantity })]);
}

export interface RaceOptions extends ScenarioOptions {
  /** How many buyers each order one unit at once (default 50). */
  readonly buyers?: number;
  /** How many units are on the shelf when they do (default 10). */
  readonly units?: number;
  /** Units received after the race (default none): the oldest back-orders get them, one each. */
  readonly refill?: number;
}

export interface RaceResult {
  readonly sku: string;
  readonly warehouse: string;
  /** The orders that got a unit in the race. */
  readonly allocated: readonly OrderView[];
  /** The orders back-ordered in the race, oldest first (placed first, then by order id): as they were before any refill. */
  readonly backOrdered: readonly OrderView[];
  /** From the first order placed until every order settled. */
  readonly settledMs: number;
}

/** Where an order rests until something outside the allocation choreography happens (a receipt, a pick, a cancel). */
const SETTLED = ['allocated', 'back-ordered', 'cancelled', 'picking', 'ready to ship'];

/**
 * Buyers racing for too few units through the platform's HTTP API (either form): a new SKU put away into the
 * only bin of a new warehouse, then `buyers` one-unit orders placed at once. Once every order has settled,
 * exactly `units` are allocated (from that bin), the rest back-ordered, and the totals and bins agree (see
 * expectStock). With `refill`, that many more units arrive and go to the oldest back-orders.
 */
export async function raceForStock(target: string | PlatformClient, options: RaceOptions): Promise<RaceResult> {
  const { runId, buyers = 50, units = 10, refill = 0 } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const client = typeof target === 'string' ? new PlatformClient(target, `race-${runId}`) : target;
  const sku = `SKU-${runId}`;
  const warehouse = runId;
  const post = <T = Record<string, unknown>>(path: string, body: unknown) => client.command<T>('POST', path, body, 201, timeoutMs);

  await client.command('PUT', `/items/${sku}`, { description: `Raced-for widget ${runId}`, unit: 'each' }, 201, timeoutMs);
  await post('/warehouses', { code: warehouse, name: 'Race' });
  await post(`/warehouses/${warehouse}/bins`, { code: 'R-01', zone: 'R', capacity: buyers + units });
  await post(`/warehouses/${warehouse}/receipts`, { sku, quantity: units });
  await post(`/warehouses/${warehouse}/putaways`, { sku, quantity: units, fromBin: 'DOCK', toBin: 'R-01' });
  await expectStock(client, sku, { [warehouse]: { onHand: units, reserved: 0 } }, {}, timeoutMs);

  const started = Date.now();
  const placed = await Promise.all(Array.from({ length: buyers }, () => post<{ orderId: string }>('/orders', { lines: [{ sku, quantity: 1 }], customerRef: `race-${runId}` })));
  const orders = await settle(
    client,
    placed.map((p) => p.body.orderId),
    timeoutMs,
  );
  const settledMs = Date.now() - started;
  options.log?.(`${buyers} orders racing for ${units} units placed and settled in ${settledMs} ms`);

  const allocated = orders.filter((o) => o.status === 'allocated');
  const backOrdered = orders.filter((o) => o.status === 'back-ordered').sort((a, b) => compareText(a.placedAt, b.placedAt) || compareText(a.orderId, b.orderId));
  expect({ allocated: allocated.length, backOrdered: backOrdered.length }).toEqual({ allocated: units, backOrdered: buyers - units });
  for (const o of allocated) expect(o.lines).toEqual([expect.objectContaining({ allocated: 1, backOrdered: 0, allocations: [expect.objectContaining({ warehouse, quantity: 1, pickList: [{ bin: 'R-01', quantity: 1 }] })] })]);
  for (const o of backOrdered) expect(o.lines).toEqual([expect.objectContaining({ allocated: 0, backOrdered: 1 })]);
  await expectStock(client, sku, { [warehouse]: { onHand: units, reserved: units } }, { available: 0, backOrdered: buyers - units }, timeoutMs);
  const { bins } = await client.read<SkuBins>(`/inventory/${sku}/bins`);
  expect(bins.filter((b) => b.onHand > 0)).toEqual([expect.objectContaining({ warehouse, bin: 'R-01', onHand: units, reserved: units, available: 0 })]);

  if (refill > 0) {
    await post(`/warehouses/${warehouse}/receipts`, { sku, quantity: refill });
    const filled = Math.min(refill, backOrdered.length);
    await expectStock(client, sku, { [warehouse]: { onHand: units + refill, reserved: units + filled } }, { backOrdered: backOrdered.length - filled }, timeoutMs);
    await eventually(async () => {
      const after = await settle(
        client,
        backOrdered.map((o) => o.orderId),
        timeoutMs,
      );
      expect(after.map((o) => o.status)).toEqual([...Array<string>(filled).fill('allocated'), ...Array<string>(backOrdered.length - filled).fill('back-ordered')]);
    }, timeoutMs);
  }
  return { sku, warehouse, allocated, backOrdered, settledMs };
}

/** The orders once each rests (SETTLED, nothing awaiting an answer), polled together; in the order of `orderIds`. */
async function settle(client: PlatformClient, orderIds: readonly string[], timeoutMs: number): Promise<OrderView[]> {
  const rested = new Map<string, OrderView>();
  await eventually(async () => {
    const pending = orderIds.filter((id) => !rested.has(id));
    for (const o of await Promise.all(pending.map((id) => client.read<OrderView>(`/orders/${id}`, timeoutMs)))) {
      if (SETTLED.includes(o.status) && o.lines.every((l) => l.awaiting === 0)) rested.set(o.orderId, o);
    }
    expect(orderIds.filter((id) => !rested.has(id))).toEqual([]);
  }, timeoutMs);
  return orderIds.map((id) => rested.get(id)!);
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
