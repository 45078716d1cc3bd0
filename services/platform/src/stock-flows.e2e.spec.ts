import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformProcess } from './testing/platform-process';

interface Answer<T> {
  readonly status: number;
  readonly body: T;
  /** The `bintrail-position` header: global position of the last event the command caused. */
  readonly position: number;
  /** The `bintrail-read-position` header of a read: the log position its read model had reached. */
  readonly readPosition: number;
}

interface StatusBody {
  head: number;
  projections: { groupId: string; checkpoint: number; parked: number }[];
}
interface SkuStock {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
  inTransit: number;
  backOrdered: number;
  warehouses: { warehouse: string; onHand: number; reserved: number; available: number; inTransit: number }[];
}
interface SkuBins {
  sku: string;
  bins: { warehouse: string; bin: string; onHand: number; reserved: number; available: number }[];
}
interface BinView {
  warehouse: string;
  bin: string;
  units: number;
  skus: { sku: string; onHand: number; allocated: number; available: number }[];
}
interface Refusal {
  statusCode: number;
  code?: string;
  message: string | string[];
  [field: string]: unknown;
}

/**
 * The warehouse and inventory stock flows through the running platform (embedded form): a receipt
 * put away into bins, moved and counted, seen the same way by the bin-level read model and by the
 * inventory's totals; and every refused request answered with its reason and leaving nothing behind.
 */
describe('stock flows over HTTP (embedded form)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-stock-flows-'));
  let platform: PlatformProcess;
  let url: string;

  beforeAll(async () => {
    platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
    url = await platform.ready();
  });
  afterAll(async () => {
    await PlatformProcess.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function send<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'x-correlation-id': 'stock-flows-e2e', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const header = (name: string) => Number(response.headers.get(name) ?? NaN);
    return { status: response.status, body: (await response.json()) as T, position: header('bintrail-position'), readPosition: header('bintrail-read-position') };
  }
  const post = <T = Record<string, unknown>>(path: string, body: unknown) => send<T>('POST', path, body);
  const get = <T = Record<string, unknown>>(path: string) => send<T>('GET', path);
  const status = async () => (await get<StatusBody>('/status')).body;

  it('receives, puts away, moves and counts stock; bins and totals agree', async () => {
    for (const sku of ['SKU-A', 'SKU-B', 'SKU-C']) {
      expect((await send('PUT', `/items/${sku}`, { description: `Widget ${sku}`, unit: 'each' })).status).toBe(201);
    }
    const created = await post('/warehouses', { code: 'WH1', name: 'Main warehouse' });
    expect(created).toMatchObject({ status: 201, body: { warehouse: 'WH1', bins: [{ bin: 'DOCK', kind: 'dock' }, { bin: 'STAGING', kind: 'staging' }] } });
    expect(created.position).toBeGreaterThan(0);
    for (const bin of ['A-01-01', 'A-01-02']) {
      expect(await post('/warehouses/WH1/bins', { code: bin, zone: 'A', capacity: 60 })).toMatchObject({
        status: 201,
        body: { warehouse: 'WH1', bin, kind: 'storage', zone: 'A', capacity: 60 },
      });
    }

    const receipt = await post('/warehouses/WH1/receipts', { sku: 'SKU-A', quantity: 100 });
    expect(receipt).toMatchObject({ status: 201, body: { warehouse: 'WH1', sku: 'SKU-A', bin: 'DOCK', quantity: 100, receiptId: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    expect(receipt.position).toBeGreaterThan(created.position);
    const named = await post('/warehouses/WH1/putaways', { sku: 'SKU-A', quantity: 60, fromBin: 'DOCK', toBin: 'A-01-01' });
    expect(named).toMatchObject({ status: 201, body: { fromBin: 'DOCK', toBin: 'A-01-01', quantity: 60, suggested: false } });
    const suggested = await post('/warehouses/WH1/putaways', { sku: 'SKU-A', quantity: 40, fromBin: 'DOCK' });
    expect(suggested).toMatchObject({ status: 201, body: { fromBin: 'DOCK', toBin: 'A-01-02', quantity: 40, suggested: true } });
    const moved = await post('/warehouses/WH1/moves', { sku: 'SKU-A', quantity: 10, fromBin: 'A-01-01', toBin: 'A-01-02' });
    expect(moved).toMatchObject({ status: 201, body: { sku: 'SKU-A', quantity: 10, fromBin: 'A-01-01', toBin: 'A-01-02' } });
    const counted = await post('/warehouses/WH1/counts', { bin: 'A-01-02', sku: 'SKU-A', countedQuantity: 48, reason: 'damaged' });
    expect(counted).toMatchObject({
      status: 201,
      body: { bin: 'A-01-02', sku: 'SKU-A', countedQuantity: 48, previousQuantity: 50, adjustment: { delta: -2, reason: 'damaged' }, allocationChanges: [] },
    });
    const other = await post('/warehouses/WH1/receipts', { sku: 'SKU-B', quantity: 5, bin: 'A-01-01', expectedReceiptId: 'ASN-1' });
    expect(other).toMatchObject({ status: 201, body: { sku: 'SKU-B', bin: 'A-01-01', quantity: 5, expectedReceiptId: 'ASN-1' } });
    const positions = [created, receipt, named, suggested, moved, counted, other].map((a) => a.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    expect((await status()).head).toBe(other.position);

    // Read-your-writes: each read waits until its read model has reached the last command's position.
    const after = `minPosition=${other.position}`;
    const totals = await get<SkuStock>(`/inventory/SKU-A?${after}`);
    expect(totals.status).toBe(200);
    expect(totals.readPosition).toBeGreaterThanOrEqual(other.position);
    expect(totals.body).toEqual({
      sku: 'SKU-A',
      onHand: 98,
      reserved: 0,
      available: 98,
      inTransit: 0,
      backOrdered: 0,
      warehouses: [{ warehouse: 'WH1', onHand: 98, reserved: 0, available: 98, inTransit: 0 }],
    });
    const bins = await get<SkuBins>(`/inventory/SKU-A/bins?${after}`);
    expect(bins.body).toEqual({
      sku: 'SKU-A',
      bins: [
        { warehouse: 'WH1', bin: 'A-01-01', onHand: 50, reserved: 0, available: 50 },
        { warehouse: 'WH1', bin: 'A-01-02', onHand: 48, reserved: 0, available: 48 },
      ],
    });
    const binView = await get(`/warehouses/WH1/bins/A-01-02?${after}`);
    expect(binView.readPosition).toBeGreaterThanOrEqual(other.position);
    expect(binView).toMatchObject({
      status: 200,
      body: { warehouse: 'WH1', bin: 'A-01-02', kind: 'storage', zone: 'A', capacity: 60, units: 48, waitingForCount: false, skus: [{ sku: 'SKU-A', onHand: 48, allocated: 0, available: 48 }] },
    });
    expect((await get<BinView>('/warehouses/WH1/bins/A-01-01')).body).toMatchObject({
      units: 55,
      skus: [
        { sku: 'SKU-A', onHand: 50 },
        { sku: 'SKU-B', onHand: 5 },
      ],
    });
    expect((await get<BinView>('/warehouses/WH1/bins/DOCK')).body).toMatchObject({ kind: 'dock', units: 0, skus: [] });

    // Invariant: per SKU and warehouse, the sum over bins equals the warehouse's on-hand in the totals —
    // in the inventory's own bin view, and in the warehouse service's bin read model.
    for (const sku of ['SKU-A', 'SKU-B']) {
      const { body: stock } = await get<SkuStock>(`/inventory/${sku}`);
      const { body: held } = await get<SkuBins>(`/inventory/${sku}/bins`);
      for (const w of stock.warehouses) {
        const inBins = held.bins.filter((b) => b.warehouse === w.warehouse);
        expect(inBins.reduce((n, b) => n + b.onHand, 0)).toBe(w.onHand);
        expect(inBins.reduce((n, b) => n + b.reserved, 0)).toBe(w.reserved);
        let inWarehouseBins = 0;
        for (const b of inBins) {
          const { body: view } = await get<BinView>(`/warehouses/${w.warehouse}/bins/${b.bin}`);
          inWarehouseBins += view.skus.find((x) => x.sku === sku)?.onHand ?? 0;
        }
        expect(inWarehouseBins).toBe(w.onHand);
      }
      expect(stock.onHand).toBe(stock.warehouses.reduce((n, w) => n + w.onHand, 0));
    }

    // A registered SKU without stock shows zeros; the list pages by SKU.
    expect((await get<SkuStock>('/inventory/SKU-C')).body).toEqual({ sku: 'SKU-C', onHand: 0, reserved: 0, available: 0, inTransit: 0, backOrdered: 0, warehouses: [] });
    expect((await get<SkuBins>('/inventory/SKU-C/bins')).body).toEqual({ sku: 'SKU-C', bins: [] });
    const first = await get<{ items: SkuStock[]; nextAfter: string | null }>('/inventory?limit=2');
    expect(first.body.items.map((i) => [i.sku, i.onHand])).toEqual([
      ['SKU-A', 98],
      ['SKU-B', 5],
    ]);
    expect(first.body.nextAfter).toBe('SKU-B');
    const last = await get<{ items: SkuStock[]; nextAfter: string | null }>(`/inventory?limit=2&after=${first.body.nextAfter}`);
    expect(last.body).toEqual({ items: [expect.objectContaining({ sku: 'SKU-C', onHand: 0 })], nextAfter: null });
    expect((await get<{ items: unknown[] }>('/inventory')).body.items).toHaveLength(3);
    for (const limit of ['0', '501', '2.5', 'ten']) {
      expect(await get(`/inventory?limit=${limit}`)).toMatchObject({ status: 400, body: { message: ['limit must be an integer from 1 to 500'] } });
    }
    expect((await status()).projections.every((p) => p.parked === 0)).toBe(true);
  });

  it('refuses bad input (400, field by field), unknown things (404) and what the stock does not allow (409), changing nothing', async () => {
    const { head } = await status();
    const refused = (answer: Answer<unknown>, statusCode: number): Refusal => {
      expect(answer).toMatchObject({ status: statusCode, body: { statusCode } });
      expect(Number.isNaN(answer.position)).toBe(true); // no bintrail-position: nothing happened
      return answer.body as Refusal;
    };
    const messages = (answer: Answer<unknown>) => refused(answer, 400).message;
    expect(messages(await post('/warehouses/WH1/receipts', { sku: 'SKU-A', quantity: -5 }))).toEqual(['quantity must not be less than 1']);
    expect(messages(await post('/warehouses/WH1/receipts', { sku: 'SKU-A', quantity: 2.5 }))).toEqual(['quantity must be an integer number']);
    expect(messages(await post('/warehouses/WH1/receipts', { quantity: 3, colour: 'blue' }))).toEqual(
      expect.arrayContaining(['property colour should not exist', 'sku should not be empty', 'sku must be a string']),
    );
    expect(messages(await post('/warehouses/WH1/counts', { bin: 'A-01-01', sku: 'SKU-A', countedQuantity: -1, reason: '' }))).toEqual(
      expect.arrayContaining(['countedQuantity must not be less than 0', 'reason should not be empty']),
    );
    expect(messages(await post('/warehouses/WH1/moves', { sku: 'SKU-A', quantity: '3', fromBin: 'A-01-01' }))).toEqual(
      expect.arrayContaining(['quantity must be an integer number', 'toBin should not be empty']),
    );
    expect(messages(await post('/warehouses', { code: 'wh 2', name: 'Lower case' }))).toEqual([
      'code must be upper-case letters and digits in dash-separated groups, like A-01-03',
    ]);

    expect(refused(await post('/warehouses/WH9/receipts', { sku: 'SKU-A', quantity: 1 }), 404)).toMatchObject({ code: 'WarehouseNotFound', warehouse: 'WH9' });
    expect(refused(await get('/warehouses/WH9/bins/DOCK'), 404)).toMatchObject({ code: 'WarehouseNotFound' });
    expect(refused(await get('/warehouses/WH1/bins/Z-99-99'), 404)).toMatchObject({ code: 'BinNotFound', bin: 'Z-99-99' });
    expect(refused(await post('/warehouses/WH1/moves', { sku: 'SKU-A', quantity: 1, fromBin: 'A-01-01', toBin: 'Z-99-99' }), 404)).toMatchObject({
      code: 'BinNotFound',
      bin: 'Z-99-99',
    });
    expect(refused(await post('/warehouses/WH1/receipts', { sku: 'NOPE-1', quantity: 1 }), 404)).toMatchObject({
      code: 'ItemNotFound',
      sku: 'NOPE-1',
      message: expect.stringContaining('item NOPE-1 is not registered'),
    });
    expect(refused(await get('/inventory/NOPE-1'), 404).message).toContain('item NOPE-1 is not registered');
    expect(refused(await get('/inventory/NOPE-1/bins'), 404).message).toContain('item NOPE-1 is not registered');

    expect(refused(await post('/warehouses/WH1/moves', { sku: 'SKU-A', quantity: 5, fromBin: 'DOCK', toBin: 'A-01-01' }), 409)).toMatchObject({
      code: 'InsufficientStock',
      bin: 'DOCK',
      sku: 'SKU-A',
      requested: 5,
      available: 0,
    });
    expect(refused(await post('/warehouses/WH1/moves', { sku: 'SKU-A', quantity: 20, fromBin: 'A-01-01', toBin: 'A-01-02' }), 409)).toMatchObject({
      code: 'BinOverCapacity',
      bin: 'A-01-02',
      capacity: 60,
      wouldHold: 68,
    });
    expect(refused(await post('/warehouses', { code: 'WH1', name: 'Again' }), 409)).toMatchObject({ code: 'WarehouseAlreadyExists' });

    expect((await status()).head).toBe(head);
    expect((await get<BinView>('/warehouses/WH1/bins/A-01-02')).body.units).toBe(48);
    expect(await platform.stop()).toBe(0);
    expect(platform.stderr).toBe('');
  });
});
