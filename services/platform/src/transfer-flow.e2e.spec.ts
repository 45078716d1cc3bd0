import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, PlatformProcess } from './testing/platform-process';

interface Answer<T> {
  readonly status: number;
  readonly body: T;
  readonly position: number;
  readonly headers: Headers;
}
interface BinQuantity {
  bin: string;
  quantity: number;
}
interface TransferView {
  transferId: string;
  sku: string;
  quantity: number;
  fromWarehouse: string;
  toWarehouse: string;
  status: 'requested' | 'dispatched' | 'received';
  allocated?: number;
  short?: number;
  picked: number;
  dispatched: number;
  received?: number;
  discrepancy?: { dispatched: number; received: number; difference: number };
  pickList?: BinQuantity[];
  pickListId: string;
}
interface PickListView {
  pickListId: string;
  orderId: string;
  unitsToPick: number;
  lines: { lineId: string; sku: string; requested: number; toPick: BinQuantity[]; staged: number }[];
}
interface SkuStock {
  onHand: number;
  reserved: number;
  inTransit: number;
  backOrdered: number;
  warehouses: { warehouse: string; onHand: number; reserved: number; inTransit: number }[];
}
interface BinStock {
  warehouse: string;
  bin: string;
  onHand: number;
}
interface AsnView {
  asnId: string;
  warehouse: string;
  eta: string;
  status: 'open' | 'received' | 'closed';
  closedAt?: string;
  lines: { sku: string; expected: number; received: number; open: number }[];
}
interface Status {
  head: number;
  projections: { projection: string; parked: number; stuck?: unknown }[];
  consumers: { groupId: string; parked: number; stuck?: unknown }[];
}

/**
 * Transfers between warehouses through the running platform (embedded form): the source warehouse
 * allocates the transfer like an order line and opens a pick list `transfer-<id>`; the picks reach the
 * transfer stream through the shipping consumer group; dispatch takes the staged units off the source
 * and puts them in transit to the destination; the receipt books what arrived at the destination's dock
 * (and reports a discrepancy). Also: expected receipts (ASNs) read and closed, and a shipment delivered
 * the moment after it was dispatched.
 */
describe('transfer flow over HTTP (embedded form)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-transfer-flow-'));
  let platform: PlatformProcess;
  let url: string;

  beforeAll(async () => {
    platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
    url = await platform.ready(150_000); // the machine may be busy: starting compiles the TypeScript
    for (const sku of ['SKU-X', 'SKU-Y', 'SKU-D', 'SKU-N', 'SKU-B']) expect((await send('PUT', `/items/${sku}`, { description: sku, unit: 'each' })).status).toBe(201);
    for (const code of ['WH1', 'WH2']) expect((await post('/warehouses', { code, name: code })).status).toBe(201);
    for (const bin of ['A-01', 'A-02']) expect((await post('/warehouses/WH1/bins', { code: bin, capacity: 50 })).status).toBe(201);
    expect((await post('/warehouses/WH2/bins', { code: 'B-01', capacity: 50 })).status).toBe(201);
  }, 180_000);
  afterAll(async () => {
    await PlatformProcess.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function send<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'x-correlation-id': 'transfer-flow-e2e', ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T, position: Number(response.headers.get('bintrail-position') ?? NaN), headers: response.headers };
  }
  const post = <T = Record<string, unknown>>(path: string, body: unknown, headers?: Record<string, string>) => send<T>('POST', path, body, headers);
  const get = <T = Record<string, unknown>>(path: string) => send<T>('GET', path);
  const head = async () => (await get<Status>('/status')).body.head;
  const stock = async (sku: string) => (await get<SkuStock>(`/inventory/${sku}?minPosition=${await head()}`)).body;
  const bins = async (sku: string) => (await get<{ bins: BinStock[] }>(`/inventory/${sku}/bins?minPosition=${await head()}`)).body.bins;
  const transfer = async (id: string) => (await get<TransferView>(`/transfers/${id}?minPosition=${await head()}`)).body;
  const nothingParked = async () => {
    const status = (await get<Status>('/status')).body;
    for (const c of [...status.consumers, ...status.projections]) expect({ ...c, parked: c.parked }).toMatchObject({ parked: 0 });
  };

  /** Sum over each warehouse's bins == that warehouse's on-hand in the totals. */
  async function expectBinsMatchTotals(sku: string): Promise<void> {
    const totals = await stock(sku);
    const byWarehouse = new Map<string, number>();
    for (const b of await bins(sku)) byWarehouse.set(b.warehouse, (byWarehouse.get(b.warehouse) ?? 0) + b.onHand);
    for (const w of totals.warehouses) expect({ warehouse: w.warehouse, onHand: byWarehouse.get(w.warehouse) ?? 0 }).toEqual({ warehouse: w.warehouse, onHand: w.onHand });
    expect([...byWarehouse.values()].reduce((a, b) => a + b, 0)).toBe(totals.onHand);
  }

  it('moves units from one warehouse to another: pick list at the source, pick, dispatch in transit, receipt with a discrepancy', async () => {
    expect((await post('/warehouses/WH1/receipts', { sku: 'SKU-X', quantity: 10, bin: 'A-01' })).status).toBe(201);
    expect((await post('/warehouses/WH1/receipts', { sku: 'SKU-X', quantity: 5, bin: 'A-02' })).status).toBe(201);

    const requested = await post<{ transferId: string; status: string }>('/transfers', { sku: 'SKU-X', quantity: 12, fromWarehouse: 'WH1', toWarehouse: 'WH2' });
    expect(requested).toMatchObject({ status: 201, body: { status: 'requested' } });
    expect(requested.position).toBeGreaterThan(0);
    const id = requested.body.transferId;
    expect(typeof id).toBe('string');

    // The source allocates it like an order line: its pick list is `transfer-<id>`, naming the bins.
    const pickList = await eventually(async () => {
      const { status, body } = await get<PickListView>(`/warehouses/WH1/pick-lists/transfer-${id}?minPosition=${await head()}`);
      expect(status).toBe(200);
      return body;
    }, 30_000);
    expect(pickList).toMatchObject({ pickListId: `transfer-${id}`, unitsToPick: 12, lines: [{ sku: 'SKU-X', requested: 12, toPick: [{ bin: 'A-01', quantity: 10 }, { bin: 'A-02', quantity: 2 }], staged: 0 }] });
    expect((await get<{ pickLists: PickListView[] }>(`/warehouses/WH1/pick-lists?minPosition=${await head()}`)).body.pickLists.map((p) => p.pickListId)).toContain(`transfer-${id}`);
    await eventually(async () => expect(await transfer(id)).toMatchObject({ status: 'requested', allocated: 12, picked: 0, dispatched: 0, pickList: [{ bin: 'A-01', quantity: 10 }, { bin: 'A-02', quantity: 2 }] }), 30_000);
    expect(await stock('SKU-X')).toMatchObject({ onHand: 15, reserved: 12, inTransit: 0 });

    // Nothing picked yet: neither dispatch nor receipt.
    expect(await post(`/transfers/${id}/dispatch`, {})).toMatchObject({ status: 409, body: { code: 'ShippingWrongStatus' } });
    expect(await post(`/transfers/${id}/receive`, { quantity: 1 })).toMatchObject({ status: 409, body: { code: 'ShippingWrongStatus' } });

    // Picks: all of A-01; in A-02 the picker finds 1 of the 2 (short pick: A-02 waits for a count, nothing else covers it).
    expect((await post(`/warehouses/WH1/pick-lists/transfer-${id}/picks`, { bin: 'A-01', sku: 'SKU-X', quantity: 10 })).status).toBe(201);
    const short = await post<{ picked: number; shortPick: { unfilledQuantity: number } }>(`/warehouses/WH1/pick-lists/transfer-${id}/picks`, { bin: 'A-02', sku: 'SKU-X', quantity: 2, pickedQuantity: 1 });
    expect(short).toMatchObject({ status: 201, body: { picked: 1, shortPick: { unfilledQuantity: 1 } } });

    // Dispatch at once, without waiting for the picks to reach the transfer: what was picked leaves.
    const dispatched = await post<TransferView>(`/transfers/${id}/dispatch`, { carrier: 'own truck', trackingNumber: 'TRK-1' });
    expect(dispatched).toMatchObject({ status: 200, body: { status: 'dispatched', picked: 11, dispatched: 11 } });
    expect(dispatched.position).toBeGreaterThan(0);
    await eventually(
      async () =>
        expect(await stock('SKU-X')).toMatchObject({
          onHand: 4,
          reserved: 0,
          inTransit: 11,
          warehouses: [
            { warehouse: 'WH1', onHand: 4, reserved: 0, inTransit: 0 },
            { warehouse: 'WH2', onHand: 0, inTransit: 11 },
          ],
        }),
      30_000,
    );
    await eventually(async () => expect(await transfer(id)).toMatchObject({ status: 'dispatched', allocated: 11, short: 1, picked: 11, dispatched: 11 }), 30_000);
    expect(await post(`/transfers/${id}/dispatch`, {})).toMatchObject({ status: 409, body: { code: 'ShippingWrongStatus' } });
    expect((await get<{ pickLists: PickListView[] }>(`/warehouses/WH1/pick-lists?minPosition=${await head()}`)).body.pickLists.map((p) => p.pickListId)).not.toContain(`transfer-${id}`);

    // 9 of the 11 arrive: booked at WH2's dock, in transit ends, the difference is a discrepancy.
    expect((await post(`/transfers/${id}/receive`, { quantity: -1 })).status).toBe(400);
    const received = await post<TransferView>(`/transfers/${id}/receive`, { quantity: 9 });
    expect(received).toMatchObject({ status: 200, body: { status: 'received', received: 9, discrepancy: { dispatched: 11, received: 9, difference: -2 } } });
    expect(await post(`/transfers/${id}/receive`, { quantity: 9 })).toMatchObject({ status: 409, body: { code: 'ShippingWrongStatus' } });
    await eventually(
      async () =>
        expect(await stock('SKU-X')).toMatchObject({
          onHand: 13,
          inTransit: 0,
          warehouses: [
            { warehouse: 'WH1', onHand: 4, inTransit: 0 },
            { warehouse: 'WH2', onHand: 9, inTransit: 0 },
          ],
        }),
      30_000,
    );
    expect((await bins('SKU-X')).filter((b) => b.warehouse === 'WH2')).toEqual([expect.objectContaining({ bin: 'DOCK', onHand: 9 })]);
    expect(await transfer(id)).toMatchObject({ status: 'received', dispatched: 11, received: 9, discrepancy: { dispatched: 11, received: 9, difference: -2 } });
    await expectBinsMatchTotals('SKU-X');
    await nothingParked();
  }, 180_000);

  it('refuses bad transfer requests field by field, unknown SKUs, warehouses and transfers; honours Idempotency-Key', async () => {
    const same = await post<{ message: string }>('/transfers', { sku: 'SKU-X', quantity: 1, fromWarehouse: 'WH1', toWarehouse: 'WH1' });
    expect(same).toMatchObject({ status: 400, body: { code: 'InvalidShippingCommand', field: 'toWarehouse', rule: 'must differ from fromWarehouse' } });
    const bad = await post<{ message: string[] }>('/transfers', { sku: '', quantity: 0, fromWarehouse: 'WH1' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(expect.arrayContaining([expect.stringMatching(/^sku /), expect.stringMatching(/^quantity /), expect.stringMatching(/^toWarehouse /)]));
    expect((await post('/transfers', { sku: 'SKU-X', quantity: 1.5, fromWarehouse: 'WH1', toWarehouse: 'WH2' })).status).toBe(400);
    expect((await post('/transfers', { sku: 'SKU-X', quantity: 1, fromWarehouse: 'WH1', toWarehouse: 'WH2', extra: 1 })).status).toBe(400);
    expect(await post('/transfers', { sku: 'NO-SUCH', quantity: 1, fromWarehouse: 'WH1', toWarehouse: 'WH2' })).toMatchObject({ status: 404, body: { code: 'ItemNotFound' } });
    expect(await post('/transfers', { sku: 'SKU-X', quantity: 1, fromWarehouse: 'WH1', toWarehouse: 'WH9' })).toMatchObject({ status: 404, body: { code: 'WarehouseNotFound' } });
    expect(await post('/transfers', { sku: 'SKU-X', quantity: 1, fromWarehouse: 'WH9', toWarehouse: 'WH1' })).toMatchObject({ status: 404, body: { code: 'WarehouseNotFound' } });

    expect((await get('/transfers/no-such-transfer')).status).toBe(404);
    expect(await post('/transfers/no-such-transfer/dispatch', {})).toMatchObject({ status: 404, body: { code: 'ShippingStreamNotFound' } });
    expect(await post('/transfers/no-such-transfer/receive', { quantity: 1 })).toMatchObject({ status: 404, body: { code: 'ShippingStreamNotFound' } });

    const key = { 'idempotency-key': 'transfer-e2e-key-1' };
    const first = await post<{ transferId: string }>('/transfers', { sku: 'SKU-N', quantity: 1, fromWarehouse: 'WH2', toWarehouse: 'WH1' }, key);
    const again = await post<{ transferId: string }>('/transfers', { sku: 'SKU-N', quantity: 1, fromWarehouse: 'WH2', toWarehouse: 'WH1' }, key);
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 201, body: { transferId: first.body.transferId } });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // The source has none of it: everything is short, nothing to pick or dispatch.
    await eventually(async () => expect(await transfer(first.body.transferId)).toMatchObject({ status: 'requested', allocated: 0, short: 1, pickList: [] }), 30_000);
    expect(await post(`/transfers/${first.body.transferId}/dispatch`, {})).toMatchObject({ status: 409 });
    await nothingParked();
  }, 120_000);

  it('a source short of stock allocates what it has; units received at the destination fill its back-orders', async () => {
    expect((await post('/warehouses/WH1/receipts', { sku: 'SKU-Y', quantity: 3, bin: 'A-01' })).status).toBe(201);
    const { transferId } = (await post<{ transferId: string }>('/transfers', { sku: 'SKU-Y', quantity: 5, fromWarehouse: 'WH1', toWarehouse: 'WH2' })).body;
    await eventually(async () => expect(await transfer(transferId)).toMatchObject({ allocated: 3, short: 2, pickList: [{ bin: 'A-01', quantity: 3 }] }), 30_000);

    // Nothing free anywhere now: an order for 2 is back-ordered.
    const { orderId } = (await post<{ orderId: string }>('/orders', { lines: [{ sku: 'SKU-Y', quantity: 2 }] })).body;
    await eventually(async () => expect((await get<{ status: string }>(`/orders/${orderId}?minPosition=${await head()}`)).body.status).toBe('back-ordered'), 30_000);

    expect((await post(`/warehouses/WH1/pick-lists/transfer-${transferId}/picks`, { bin: 'A-01', sku: 'SKU-Y', quantity: 3 })).status).toBe(201);
    expect(await post<TransferView>(`/transfers/${transferId}/dispatch`, {})).toMatchObject({ status: 200, body: { dispatched: 3 } });
    expect(await post<TransferView>(`/transfers/${transferId}/receive`, { quantity: 3 })).toMatchObject({ status: 200, body: { status: 'received', received: 3 } });
    expect((await transfer(transferId)).discrepancy).toBeUndefined();

    // The receipt at WH2's dock wakes the back-order: the order is allocated there.
    await eventually(async () => expect((await get<{ status: string }>(`/orders/${orderId}?minPosition=${await head()}`)).body).toMatchObject({ status: 'allocated' }), 30_000);
    await eventually(async () => expect(await stock('SKU-Y')).toMatchObject({ onHand: 3, reserved: 2, inTransit: 0, backOrdered: 0, warehouses: [{ warehouse: 'WH2', onHand: 3, reserved: 2 }] }), 30_000);
    await expectBinsMatchTotals('SKU-Y');
    await nothingParked();
  }, 120_000);

  it('reads an expected receipt and closes it: its open units are no longer in transit', async () => {
    const asn = await post<{ asnId: string }>('/expected-receipts', { warehouse: 'WH2', lines: [{ sku: 'SKU-N', quantity: 8 }], eta: '2026-12-24' });
    expect(asn.status).toBe(201);
    const asnId = asn.body.asnId;
    const read = async () => (await get<AsnView>(`/expected-receipts/${asnId}?minPosition=${await head()}`)).body;
    expect(await read()).toEqual({ asnId, warehouse: 'WH2', eta: '2026-12-24', status: 'open', lines: [{ sku: 'SKU-N', expected: 8, received: 0, open: 8 }] });
    expect((await post('/warehouses/WH2/receipts', { sku: 'SKU-N', quantity: 5, expectedReceiptId: asnId })).status).toBe(201);
    await eventually(async () => expect(await read()).toMatchObject({ status: 'open', lines: [{ sku: 'SKU-N', expected: 8, received: 5, open: 3 }] }), 30_000);
    expect(await stock('SKU-N')).toMatchObject({ onHand: 5, inTransit: 3 });

    const closed = await post<AsnView>(`/expected-receipts/${asnId}/close`, {});
    expect(closed).toMatchObject({ status: 200, body: { asnId, status: 'closed', lines: [{ sku: 'SKU-N', expected: 8, received: 5, open: 0 }] } });
    expect(closed.position).toBeGreaterThan(0);
    expect(typeof closed.body.closedAt).toBe('string');
    expect(await post(`/expected-receipts/${asnId}/close`, {})).toMatchObject({ status: 409, body: { code: 'ShippingWrongStatus' } });
    await eventually(async () => expect(await stock('SKU-N')).toMatchObject({ onHand: 5, inTransit: 0 }), 30_000);
    expect(await read()).toMatchObject({ status: 'closed', lines: [{ open: 0 }] });

    expect((await get('/expected-receipts/no-such-asn')).status).toBe(404);
    expect(await post('/expected-receipts/no-such-asn/close', {})).toMatchObject({ status: 404, body: { code: 'ShippingStreamNotFound' } });
    await nothingParked();
  }, 120_000);

  it('delivers shipments posted right after their dispatch: the orders end delivered, nothing is parked', async () => {
    // Several at once, so that deliveries overtake the warehouse's booking of their dispatch.
    const count = 6;
    // A-02 waits for a count since the short pick above, and nothing is allocated from it.
    expect((await post('/warehouses/WH1/receipts', { sku: 'SKU-D', quantity: 4 * count + 2, bin: 'A-01' })).status).toBe(201);
    const orderIds: string[] = [];
    for (let i = 0; i < count; i++) orderIds.push((await post<{ orderId: string }>('/orders', { lines: [{ sku: 'SKU-D', quantity: 4 }] })).body.orderId);
    const shipmentIds: string[] = [];
    for (const orderId of orderIds) {
      await eventually(async () => expect((await get<{ status: string }>(`/orders/${orderId}?minPosition=${await head()}`)).body.status).toBe('allocated'), 30_000);
      expect((await post(`/warehouses/WH1/pick-lists/${orderId}/picks`, { bin: 'A-01', sku: 'SKU-D', quantity: 4 })).status).toBe(201);
    }
    for (const orderId of orderIds) {
      shipmentIds.push(
        await eventually(async () => {
          const { body } = await get<{ shipments: { shipmentId: string }[] }>(`/shipments?orderId=${orderId}&minPosition=${await head()}`);
          expect(body.shipments).toHaveLength(1);
          return body.shipments[0]!.shipmentId;
        }, 30_000),
      );
    }

    // A busy moment: transfer requests queue work for the warehouse group ahead of the dispatches, so the
    // deliveries land in the log before the warehouse has booked the dispatches (what the order books them from).
    const busy = await Promise.all(Array.from({ length: 30 }, () => post('/transfers', { sku: 'SKU-B', quantity: 1, fromWarehouse: 'WH2', toWarehouse: 'WH1' })));
    expect(busy.map((a) => a.status)).toEqual(busy.map(() => 201));
    const answers = await Promise.all(
      shipmentIds.map(async (shipmentId) => {
        const dispatched = await post(`/shipments/${shipmentId}/dispatch`, { carrier: 'DHL', trackingNumber: `JD-${shipmentId}` });
        const delivered = await post<{ status: string }>(`/shipments/${shipmentId}/deliver`, {});
        return [dispatched.status, delivered.status, delivered.body.status];
      }),
    );
    expect(answers).toEqual(shipmentIds.map(() => [200, 200, 'delivered']));

    for (const orderId of orderIds) {
      await eventually(async () => expect((await get<{ status: string }>(`/orders/${orderId}?minPosition=${await head()}`)).body.status).toBe('delivered'), 30_000);
    }
    await eventually(async () => expect(await stock('SKU-D')).toMatchObject({ onHand: 2, reserved: 0 }), 30_000);
    await nothingParked();
  }, 180_000);
});
