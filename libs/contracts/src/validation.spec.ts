import { EVENT_SCHEMAS, PUBLIC_EVENT_TYPES, eventVersions } from './events';
import { contractDataErrors, validateEventData } from './validation';

const placed = {
  orderId: 'SO-1',
  placedAt: '2026-03-01T10:00:00.000Z',
  warehouses: ['WH1', 'WH2'],
  lines: [{ lineId: 'L1', sku: 'SKU-1', quantity: 2 }],
};

describe('event data validation against the contract', () => {
  it('compiles every schema of every public event type and version (strict draft 2020-12)', () => {
    for (const type of PUBLIC_EVENT_TYPES) {
      for (const version of eventVersions(type)) {
        // Any data: a schema that does not compile throws; the result itself is not the point here.
        expect(() => validateEventData(type, version, {})).not.toThrow();
      }
    }
    expect(PUBLIC_EVENT_TYPES.length).toBe(Object.keys(EVENT_SCHEMAS).length);
    expect(PUBLIC_EVENT_TYPES).toEqual(expect.arrayContaining(['inventory.ItemRegistered', 'warehouse.StockPicked', 'order.OrderPlaced', 'shipping.TransferReceived']));
  });

  it('accepts data that matches, with or without its optional fields', () => {
    expect(validateEventData('order.OrderPlaced', 1, placed)).toEqual({ ok: true });
    expect(validateEventData('order.OrderPlaced', 1, { ...placed, customerRef: 'PO-77' })).toEqual({ ok: true });
  });

  it('names the field and the rule it breaks', () => {
    const bad = { ...placed, lines: [{ lineId: 'L1', sku: 'SKU-1', quantity: 0 }, { lineId: 'L2', sku: 'SKU-2', quantity: 1.5 }] };
    expect(validateEventData('order.OrderPlaced', 1, bad)).toEqual({
      ok: false,
      errors: ['/lines/0/quantity must be >= 1', '/lines/1/quantity must be integer'],
    });
    const { orderId: _omitted, ...withoutOrderId } = placed;
    expect(validateEventData('order.OrderPlaced', 1, { ...withoutOrderId, colour: 'red' })).toEqual({
      ok: false,
      errors: expect.arrayContaining(["/ must have required property 'orderId'", "/ must NOT have additional property 'colour'"]),
    });
    expect(validateEventData('warehouse.BinAdded', 1, { code: 'A-01', kind: 'shelf' })).toMatchObject({ ok: false, errors: expect.arrayContaining(['/kind must be equal to constant "storage"']) });
  });

  it('refuses a type or a version the contract does not describe', () => {
    expect(validateEventData('warehouse.StockTeleported', 1, {})).toEqual({ ok: false, errors: ["type 'warehouse.StockTeleported' is not a public event type"] });
    expect(validateEventData('order.OrderPlaced', 9, placed)).toEqual({ ok: false, errors: ['order.OrderPlaced has no version 9 (known: 1)'] });
  });

  it('lets a consumer pass types outside the contract and checks public ones', () => {
    expect(contractDataErrors('replenishment.ReorderRaised', 1, { anything: true })).toEqual([]);
    expect(contractDataErrors('order.OrderPlaced', 1, { ...placed, warehouses: [] })).toEqual([]);
    expect(contractDataErrors('order.OrderPlaced', 1, { ...placed, placedAt: 5 })).toEqual(['/placedAt must be string']);
  });
});
