import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  DEAD_LETTER_HEADERS,
  erpCommandDeadLetterTopic,
  erpCommandTopic,
  erpReplyTopic,
  orderStatusTopic,
  shipmentsTopic,
  stockLevelsTopic,
  type ErpCommandAccepted,
  type ErpCommandRejected,
  type ErpReply,
  type OrderStatusChangedV1,
  type ShipmentChangedV1,
  type StockLevelChangedV1,
} from '@bintrail/contracts';
import { KafkaBus } from '@bintrail/messaging';
import { ErpTestBed, TopicReader } from './erp-gateway.test-helper';
import { eventually } from './testing/platform-process';

/**
 * The ERP gateway against a running platform in its distributed form (its own process: PostgreSQL server,
 * relay, Kafka), the gateway in this process, an "ERP" made of a plain Kafka producer and consumer. Every
 * path an ERP takes: a command accepted with its ids, one refused naming the field, the same key twice,
 * broken messages parked in the DLQ while the consumer goes on, and the stock-level feed after a receipt.
 */
describe('ERP gateway: commands over Kafka in, integration topics out (platform on PostgreSQL + Kafka)', () => {
  const unique = `erp_${Date.now().toString(36)}_${process.pid}`;
  const bed = new ErpTestBed(unique);
  const logs = bed.logs;
  const http = bed.http.bind(bed);
  let erp: KafkaBus;
  let reader: TopicReader;

  beforeAll(async () => {
    await bed.start();
    erp = new KafkaBus({ brokers: bed.brokers, clientId: 'erp-test' });
    reader = await TopicReader.start(bed.brokers, [erpReplyTopic(unique), erpCommandDeadLetterTopic(unique), stockLevelsTopic(unique), orderStatusTopic(unique), shipmentsTopic(unique)], `${unique}.test-reader`);
    const warehouse = await http('POST', '/warehouses', { code: 'WH1', name: 'ERP test' });
    expect(warehouse.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await reader?.stop();
    await erp?.close();
    await bed.cleanUp();
  }, 60_000);

  async function send(value: unknown, options: { key?: string; headers?: Record<string, string> } = {}): Promise<void> {
    await erp.publish([{ topic: erpCommandTopic(unique), key: options.key ?? randomUUID(), value: typeof value === 'string' ? value : JSON.stringify(value), headers: options.headers ?? {} }]);
  }

  const command = (type: string, payload: unknown, ids: { idempotencyKey?: string; correlationId?: string } = {}) => ({
    type,
    idempotencyKey: ids.idempotencyKey ?? `key-${randomUUID()}`,
    correlationId: ids.correlationId ?? `corr-${randomUUID()}`,
    payload,
  });

  const replies = (correlationId: string, count = 1) => reader.waitFor<ErpReply>(erpReplyTopic(unique), (r) => r.correlationId === correlationId, count);
  const dlq = (accept: (value: string, reason: string) => boolean) =>
    eventually(() => {
      const found = reader.messages.filter((m) => m.topic === erpCommandDeadLetterTopic(unique) && accept(m.value, m.headers[DEAD_LETTER_HEADERS.reason] ?? ''));
      if (found.length === 0) throw new Error('not in the DLQ yet');
      return found[0]!;
    }, 30_000);

  it('accepts an item upsert and a sales order, replying with the ids they created; the order is there over HTTP and on order-status.v1', async () => {
    const sku = `ERP-${randomUUID().slice(0, 8)}`;
    const upsert = command('UpsertItem', { sku, description: 'Hex bolt M8', unit: 'each' });
    await send(upsert, { key: sku });
    const [upserted] = await replies(upsert.correlationId);
    expect(upserted).toEqual({ correlationId: upsert.correlationId, idempotencyKey: upsert.idempotencyKey, commandType: 'UpsertItem', status: 'accepted', result: { sku, revision: 1, changed: true }, position: expect.any(Number) });

    const order = command('PlaceSalesOrder', { lines: [{ sku, quantity: 2 }], customerRef: 'PO-1001' });
    await send(order, { key: 'PO-1001' });
    const [placed] = (await replies(order.correlationId)) as ErpCommandAccepted[];
    expect(placed).toMatchObject({ status: 'accepted', commandType: 'PlaceSalesOrder', result: { orderId: expect.stringMatching(/^[0-9a-f-]{36}$/), customerRef: 'PO-1001', lineIds: [{ lineId: 'L1', sku, quantity: 2 }] } });
    const orderId = placed!.result.orderId as string;
    const read = await http<{ orderId: string; customerRef: string }>('GET', `/orders/${orderId}?minPosition=${placed!.position}`);
    expect(read.body).toMatchObject({ orderId, customerRef: 'PO-1001' });

    // No stock anywhere: the order ends back-ordered, and the feed says so (keyed by the order id).
    const statuses = await reader.waitFor<OrderStatusChangedV1>(orderStatusTopic(unique), (m) => m.orderId === orderId && m.status === 'back-ordered');
    expect(statuses[0]).toMatchObject({ customerRef: 'PO-1001', asOfPosition: expect.any(Number) });
    // The gateway's log lines of a command carry its correlation id.
    expect(logs.find((l) => l.correlationId === order.correlationId && l.message === 'command accepted')).toBeDefined();
  });

  it('rejects a sales order naming the field and the rule (schema: reply + DLQ; platform refusal: reply with its message)', async () => {
    const invalid = command('PlaceSalesOrder', { lines: [{ sku: 'ANY', quantity: 0 }] });
    await send(invalid);
    const [rejected] = (await replies(invalid.correlationId)) as ErpCommandRejected[];
    expect(rejected).toEqual({
      correlationId: invalid.correlationId,
      idempotencyKey: invalid.idempotencyKey,
      commandType: 'PlaceSalesOrder',
      status: 'rejected',
      reason: '/payload/lines/0/quantity must be >= 1',
      errors: ['/payload/lines/0/quantity must be >= 1'],
    });
    const parked = await dlq((value) => value.includes(invalid.correlationId));
    expect(parked.headers[DEAD_LETTER_HEADERS.reason]).toBe('/payload/lines/0/quantity must be >= 1');

    const unknownSku = command('PlaceSalesOrder', { lines: [{ sku: 'NEVER-REGISTERED', quantity: 1 }] });
    await send(unknownSku);
    const [refused] = (await replies(unknownSku.correlationId)) as ErpCommandRejected[];
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.stringContaining('NEVER-REGISTERED'), code: expect.any(String) });
  });

  it('answers the same idempotency key twice with the identical reply and places one order; the key with another body is refused', async () => {
    const sku = `ERP-${randomUUID().slice(0, 8)}`;
    await send(command('UpsertItem', { sku, description: 'Washer', unit: 'each' }), { key: sku });
    await eventually(async () => expect((await http('GET', `/items/${sku}`)).status).toBe(200));
    const order = command('PlaceSalesOrder', { lines: [{ sku, quantity: 1 }], customerRef: 'PO-dup' });
    await send(order, { key: order.idempotencyKey });
    await send(order, { key: order.idempotencyKey }); // the ERP's producer retried: the same message again
    const [first, second] = await replies(order.correlationId, 2);
    expect(second).toEqual(first);
    expect(first!.status).toBe('accepted');
    await eventually(() => expect(logs.filter((l) => l.correlationId === order.correlationId && l.replayed === true)).toHaveLength(1));

    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM "${unique}".events WHERE type = 'order.OrderPlaced' AND data->'lines'->0->>'sku' = $1`, [sku]);
      expect(rows[0].n).toBe(1);
    } finally {
      await db.end();
    }

    const reused = command('PlaceSalesOrder', { lines: [{ sku, quantity: 5 }] }, { idempotencyKey: order.idempotencyKey });
    await send(reused);
    const [refused] = (await replies(reused.correlationId)) as ErpCommandRejected[];
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.stringContaining(`Idempotency-Key '${order.idempotencyKey}' was already used for a different request`) });
  });

  it('parks bad JSON and unknown types in the DLQ with the reason, replies when a correlation id is readable, and goes on with the next command', async () => {
    await send('{"type": "PlaceSalesOrder", "payload": ', { key: 'broken', headers: { 'correlation-id': 'corr-bad-json' } });
    const unknownType = command('ShipEverything', {});
    await send(unknownType);
    await send('not json and no correlation id', { key: 'anonymous' });
    const good = command('UpsertItem', { sku: `ERP-${randomUUID().slice(0, 8)}`, description: 'After the bad ones', unit: 'box' });
    await send(good);

    const [badJson] = (await replies('corr-bad-json')) as ErpCommandRejected[];
    expect(badJson).toMatchObject({ status: 'rejected', idempotencyKey: null, commandType: null, reason: expect.stringMatching(/^message is not JSON: /) });
    const [unknown] = (await replies(unknownType.correlationId)) as ErpCommandRejected[];
    expect(unknown).toMatchObject({ status: 'rejected', commandType: 'ShipEverything', errors: ['/type must be equal to one of the allowed values: UpsertItem, PlaceSalesOrder, RegisterExpectedReceipt, CancelOrder, RequestTransfer'] });

    const parkedJson = await dlq((value) => value.startsWith('{"type": "PlaceSalesOrder", "payload": '));
    expect(parkedJson.key).toBe('broken');
    expect(parkedJson.headers).toMatchObject({ 'correlation-id': 'corr-bad-json', [DEAD_LETTER_HEADERS.originalTopic]: erpCommandTopic(unique), [DEAD_LETTER_HEADERS.reason]: expect.stringMatching(/^message is not JSON/) });
    await dlq((value, reason) => value.includes(unknownType.correlationId) && reason.includes('/type must be equal to one of the allowed values'));
    await dlq((value, reason) => value === 'not json and no correlation id' && reason.startsWith('message is not JSON'));

    const [accepted] = await replies(good.correlationId);
    expect(accepted!.status).toBe('accepted');
  });

  it('publishes stock-levels.v1 after a receipt (and an ASN sent as a command), the highest asOfPosition matching the platform', async () => {
    const sku = `ERP-${randomUUID().slice(0, 8)}`;
    await send(command('UpsertItem', { sku, description: 'Pallet of nuts', unit: 'each' }), { key: sku });
    await eventually(async () => expect((await http('GET', `/items/${sku}`)).status).toBe(200));
    const receipt = await eventually(async () => {
      const answer = await http('POST', '/warehouses/WH1/receipts', { sku, quantity: 10 });
      expect(answer.status).toBe(201);
      return answer;
    });
    const asn = command('RegisterExpectedReceipt', { warehouse: 'WH1', lines: [{ sku, quantity: 4 }], eta: '2026-12-24' });
    await send(asn, { key: sku });
    const [registered] = (await replies(asn.correlationId)) as ErpCommandAccepted[];
    expect(registered).toMatchObject({ status: 'accepted', result: { asnId: expect.any(String), warehouse: 'WH1' } });

    await reader.waitFor<StockLevelChangedV1>(stockLevelsTopic(unique), (m, message) => message.key === sku && m.warehouse === 'WH1' && m.onHand === 10 && m.inTransit === 4);
    const afterReceipt = reader.values<StockLevelChangedV1>(stockLevelsTopic(unique), (m) => m.sku === sku && m.onHand === 10);
    expect(Math.min(...afterReceipt.map((m) => m.asOfPosition))).toBeGreaterThanOrEqual(receipt.position);
    const latest = reader.values<StockLevelChangedV1>(stockLevelsTopic(unique), (m) => m.sku === sku).sort((a, b) => b.asOfPosition - a.asOfPosition)[0]!;
    const platformView = await http<{ warehouses: { warehouse: string; onHand: number; reserved: number; available: number; inTransit: number }[]; backOrdered: number }>(
      'GET',
      `/inventory/${sku}?minPosition=${latest.asOfPosition}`,
    );
    expect(latest).toEqual({ sku, warehouse: 'WH1', ...platformView.body.warehouses.find((w) => w.warehouse === 'WH1'), backOrdered: platformView.body.backOrdered, asOfPosition: latest.asOfPosition });
    // Published only when the figures change: no two consecutive messages of (sku, WH1) are the same.
    const all = reader.values<StockLevelChangedV1>(stockLevelsTopic(unique), (m) => m.sku === sku);
    const contents = all.map(({ asOfPosition: _p, ...rest }) => JSON.stringify(rest));
    expect(contents.every((c, i) => i === 0 || c !== contents[i - 1])).toBe(true);
  });

  it('publishes shipments.v1 when a shipment is dispatched (carrier, tracking number) and delivered, and order-status.v1 follows to delivered', async () => {
    const sku = `ERP-${randomUUID().slice(0, 8)}`;
    await send(command('UpsertItem', { sku, description: 'Crate', unit: 'each' }), { key: sku });
    await eventually(async () => expect((await http('GET', `/items/${sku}`)).status).toBe(200));
    await eventually(async () => expect((await http('POST', '/warehouses/WH1/receipts', { sku, quantity: 5 })).status).toBe(201));
    const order = command('PlaceSalesOrder', { lines: [{ sku, quantity: 5 }], customerRef: 'PO-SHIP' });
    await send(order);
    const [placed] = (await replies(order.correlationId)) as ErpCommandAccepted[];
    const orderId = placed!.result.orderId as string;
    await reader.waitFor<OrderStatusChangedV1>(orderStatusTopic(unique), (m) => m.orderId === orderId && m.status === 'allocated');

    // The warehouse picks and ships (Bintrail's own work, over its HTTP API).
    await eventually(async () => expect((await http('POST', `/warehouses/WH1/pick-lists/${orderId}/picks`, { bin: 'DOCK', sku, quantity: 5 })).status).toBe(201));
    const shipmentId = await eventually(async () => {
      const { body } = await http<{ shipments: { shipmentId: string }[] }>('GET', `/shipments?orderId=${orderId}`);
      expect(body.shipments).toHaveLength(1);
      return body.shipments[0]!.shipmentId;
    });
    expect((await http('POST', `/shipments/${shipmentId}/dispatch`, { carrier: 'DHL', trackingNumber: 'JD014600003' })).status).toBe(200);
    // Messages are snapshots, and a delivery close behind its dispatch may be merged into one 'delivered'
    // message (README, "Keep the highest asOfPosition"): the truck leaves before it arrives here.
    const [dispatched] = await reader.waitFor<ShipmentChangedV1>(shipmentsTopic(unique), (m, message) => message.key === shipmentId && m.status === 'dispatched');
    expect(dispatched).toMatchObject({ shipmentId, orderId, warehouse: 'WH1', carrier: 'DHL', trackingNumber: 'JD014600003', lines: [{ sku, quantity: 5 }] });
    expect(dispatched!.deliveredAt).toBeUndefined();
    expect((await http('POST', `/shipments/${shipmentId}/deliver`, {})).status).toBe(200);
    const [delivered] = await reader.waitFor<ShipmentChangedV1>(shipmentsTopic(unique), (m) => m.shipmentId === shipmentId && m.status === 'delivered');
    expect(delivered).toMatchObject({ carrier: 'DHL', trackingNumber: 'JD014600003', deliveredAt: expect.any(String) });
    expect(delivered!.asOfPosition).toBeGreaterThan(dispatched!.asOfPosition);
    await reader.waitFor<OrderStatusChangedV1>(orderStatusTopic(unique), (m) => m.orderId === orderId && m.status === 'delivered');
    // Dispatch took the units off the warehouse's on-hand.
    await reader.waitFor<StockLevelChangedV1>(stockLevelsTopic(unique), (m) => m.sku === sku && m.onHand === 0 && m.reserved === 0);
  });
});
