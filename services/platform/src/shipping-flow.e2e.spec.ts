import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, PlatformProcess } from './testing/platform-process';

interface Answer<T> {
  readonly status: number;
  readonly body: T;
  readonly position: number;
}
interface OrderView {
  orderId: string;
  status: string;
  lines: { lineId: string; sku: string; ordered: number; allocated: number; picked: number; shipped: number; awaiting: number }[];
}
interface SkuStock {
  onHand: number;
  reserved: number;
  inTransit: number;
  warehouses: { warehouse: string; onHand: number; reserved: number; inTransit: number }[];
}
interface ShipmentView {
  shipmentId: string;
  orderId: string;
  warehouse: string;
  status: string;
  lines: { lineId: string; sku: string; quantity: number }[];
  dispatch?: { carrier: string; trackingNumber: string };
  deliveredAt?: string;
}

/**
 * Shipping through the running platform (embedded form): an order picked completely gets a shipment
 * (the shipping consumer group reacting to order.PicksCompleted); dispatching it takes the staged units
 * off the warehouse (warehouse group, shipping.ShipmentDispatched) and the order records it
 * (warehouse.StockDispatched); delivering it makes the order delivered. An ASN counts as in transit
 * until a receipt naming it books the units.
 */
describe('shipping flow over HTTP (embedded form)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bintrail-shipping-flow-'));
  let platform: PlatformProcess;
  let url: string;

  beforeAll(async () => {
    platform = new PlatformProcess({ BINTRAIL_DATA_DIR: dataDir });
    url = await platform.ready();
    for (const sku of ['SKU-S', 'SKU-T']) expect((await send('PUT', `/items/${sku}`, { description: sku, unit: 'each' })).status).toBe(201);
    expect((await post('/warehouses', { code: 'WH1', name: 'Main' })).status).toBe(201);
    expect((await post('/warehouses/WH1/bins', { code: 'A-01', capacity: 50 })).status).toBe(201);
  }, 90_000);
  afterAll(async () => {
    await PlatformProcess.killAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function send<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'x-correlation-id': 'shipping-flow-e2e', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T, position: Number(response.headers.get('bintrail-position') ?? NaN) };
  }
  const post = <T = Record<string, unknown>>(path: string, body: unknown) => send<T>('POST', path, body);
  const get = <T = Record<string, unknown>>(path: string) => send<T>('GET', path);
  const head = async () => (await get<{ head: number }>('/status')).body.head;
  const stock = async (sku: string) => (await get<SkuStock>(`/inventory/${sku}?minPosition=${await head()}`)).body;
  const order = async (orderId: string) => (await get<OrderView>(`/orders/${orderId}?minPosition=${await head()}`)).body;

  it('opens a shipment once the order is picked, dispatch ships the staged units, delivery completes the order', async () => {
    expect((await post('/warehouses/WH1/receipts', { sku: 'SKU-S', quantity: 40, bin: 'A-01' })).status).toBe(201);
    const { orderId } = (await post<{ orderId: string }>('/orders', { lines: [{ sku: 'SKU-S', quantity: 12 }] })).body;
    await eventually(async () => expect(await order(orderId)).toMatchObject({ status: 'allocated', lines: [{ allocated: 12 }] }), 30_000);
    expect(await stock('SKU-S')).toMatchObject({ onHand: 40, reserved: 12 });

    // No shipment before the picks are complete.
    expect((await get<{ shipments: ShipmentView[] }>(`/shipments?orderId=${orderId}&minPosition=${await head()}`)).body.shipments).toEqual([]);
    expect((await post(`/warehouses/WH1/pick-lists/${orderId}/picks`, { bin: 'A-01', sku: 'SKU-S', quantity: 12 })).status).toBe(201);
    await eventually(async () => expect((await order(orderId)).status).toBe('ready to ship'), 30_000);

    const shipment = await eventually(async () => {
      const { status, body } = await get<{ shipments: ShipmentView[] }>(`/shipments?orderId=${orderId}&minPosition=${await head()}`);
      expect(status).toBe(200);
      expect(body.shipments).toHaveLength(1);
      return body.shipments[0]!;
    }, 30_000);
    expect(shipment).toMatchObject({ shipmentId: `${orderId}-WH1`, orderId, warehouse: 'WH1', status: 'opened', lines: [{ lineId: 'L1#1', sku: 'SKU-S', quantity: 12 }] });
    expect((await get<ShipmentView>(`/shipments/${shipment.shipmentId}?minPosition=${await head()}`)).body).toMatchObject({ status: 'opened' });
    expect((await get('/shipments/no-such-shipment')).status).toBe(404);

    // Deliver before dispatch is refused; an unknown shipment is 404.
    expect(await post(`/shipments/${shipment.shipmentId}/deliver`, {})).toMatchObject({ status: 409, body: { code: 'ShippingWrongStatus' } });
    expect(await post('/shipments/no-such-shipment/dispatch', { carrier: 'DHL', trackingNumber: 'X' })).toMatchObject({ status: 404, body: { code: 'ShippingStreamNotFound' } });
    expect((await post(`/shipments/${shipment.shipmentId}/dispatch`, { carrier: 'DHL' })).status).toBe(400);

    const dispatched = await post<ShipmentView>(`/shipments/${shipment.shipmentId}/dispatch`, { carrier: 'DHL', trackingNumber: 'JD0001' });
    expect(dispatched).toMatchObject({ status: 200, body: { status: 'dispatched', dispatch: { carrier: 'DHL', trackingNumber: 'JD0001' } } });
    expect(dispatched.position).toBeGreaterThan(0);
    await eventually(async () => expect(await stock('SKU-S')).toMatchObject({ onHand: 28, reserved: 0 }), 30_000);
    await eventually(async () => expect(await order(orderId)).toMatchObject({ status: 'shipped', lines: [{ shipped: 12, picked: 0 }] }), 30_000);
    // A second dispatch with another tracking number is refused.
    expect(await post(`/shipments/${shipment.shipmentId}/dispatch`, { carrier: 'DHL', trackingNumber: 'JD0002' })).toMatchObject({ status: 409 });

    expect(await post<ShipmentView>(`/shipments/${shipment.shipmentId}/deliver`, { deliveredAt: '2026-11-25T18:00:00.000Z' })).toMatchObject({
      status: 200,
      body: { status: 'delivered', deliveredAt: '2026-11-25T18:00:00.000Z' },
    });
    await eventually(async () => expect((await order(orderId)).status).toBe('delivered'), 30_000);
    await eventually(async () => expect((await get<ShipmentView>(`/shipments/${shipment.shipmentId}?minPosition=${await head()}`)).body.status).toBe('delivered'), 30_000);
    expect(await stock('SKU-S')).toMatchObject({ onHand: 28, reserved: 0 });
  }, 120_000);

  it('counts an ASN as in transit until a receipt naming it books the units', async () => {
    const asn = await post<{ asnId: string; status: string }>('/expected-receipts', { warehouse: 'WH1', lines: [{ sku: 'SKU-T', quantity: 30 }], eta: '2026-12-01' });
    expect(asn).toMatchObject({ status: 201, body: { status: 'open' } });
    expect(typeof asn.body.asnId).toBe('string');
    expect(await stock('SKU-T')).toMatchObject({ onHand: 0, inTransit: 30, warehouses: [{ warehouse: 'WH1', onHand: 0, inTransit: 30 }] });
    expect((await post('/expected-receipts', { warehouse: 'WH1', lines: [], eta: '2026-12-01' })).status).toBe(400);

    expect((await post('/warehouses/WH1/receipts', { sku: 'SKU-T', quantity: 20, expectedReceiptId: asn.body.asnId })).status).toBe(201);
    await eventually(async () => expect(await stock('SKU-T')).toMatchObject({ onHand: 20, inTransit: 10 }), 30_000);
    // More than the ASN still expects: all of it is on hand, in transit stops at 0.
    expect((await post('/warehouses/WH1/receipts', { sku: 'SKU-T', quantity: 15, expectedReceiptId: asn.body.asnId })).status).toBe(201);
    await eventually(async () => expect(await stock('SKU-T')).toMatchObject({ onHand: 35, inTransit: 0 }), 30_000);
  }, 120_000);
});
