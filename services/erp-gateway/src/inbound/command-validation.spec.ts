import { parseCommand } from './command-validation';
import { replyFor, requestFor } from './command-routes.domain';

const order = (payload: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'PlaceSalesOrder', idempotencyKey: 'erp-42', correlationId: 'corr-42', payload, ...extra });

describe('reading ERP command messages (JSON Schema 2020-12 via ajv)', () => {
  it('accepts a valid sales order and maps it to POST /orders with the body of the HTTP API', () => {
    const parsed = parseCommand(order({ lines: [{ sku: 'SKU-1', quantity: 2 }], customerRef: 'PO-9' }), {});
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(requestFor(parsed.command)).toEqual({ method: 'POST', path: '/orders', body: { lines: [{ sku: 'SKU-1', quantity: 2 }], customerRef: 'PO-9' } });
  });

  it('names every broken field and rule in ajv words, with the JSON pointer', () => {
    const parsed = parseCommand(order({ lines: [{ sku: 'SKU-1', quantity: 0 }, { quantity: 1.5 }], colour: 'red' }), {});
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual(
      expect.arrayContaining([
        '/payload/lines/0/quantity must be >= 1',
        "/payload/lines/1 must have required property 'sku'",
        '/payload/lines/1/quantity must be integer',
        "/payload must NOT have additional properties ('colour')",
      ]),
    );
    expect(parsed.readable).toEqual({ correlationId: 'corr-42', idempotencyKey: 'erp-42', commandType: 'PlaceSalesOrder' });
  });

  it('names an unknown type with the allowed ones, and reads the correlation id from the header when the body has none', () => {
    const parsed = parseCommand(JSON.stringify({ type: 'ShipEverything', idempotencyKey: 'k', payload: {} }), { 'correlation-id': 'from-header' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toContain('/type must be equal to one of the allowed values: UpsertItem, PlaceSalesOrder, RegisterExpectedReceipt, CancelOrder, RequestTransfer');
    expect(parsed.errors).toContain("/ must have required property 'correlationId'");
    expect(parsed.readable.correlationId).toBe('from-header');
  });

  it('refuses a message that is not JSON; the correlation id can then only come from the header', () => {
    const parsed = parseCommand('{"type": "UpsertItem",', {});
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors[0]).toMatch(/^message is not JSON: /);
    expect(parsed.readable).toEqual({ correlationId: undefined, idempotencyKey: null, commandType: null });
  });

  it('checks formats (the order id of a cancellation is a uuid) and the SKU rule of PUT /items/:sku', () => {
    const cancel = parseCommand(JSON.stringify({ type: 'CancelOrder', idempotencyKey: 'k', correlationId: 'c', payload: { orderId: 'not-an-id' } }), {});
    expect(!cancel.ok && cancel.errors).toEqual(['/payload/orderId must match format "uuid"']);
    const item = parseCommand(JSON.stringify({ type: 'UpsertItem', idempotencyKey: 'k', correlationId: 'c', payload: { sku: '-bad', description: 'x', unit: 'each' } }), {});
    expect(!item.ok && item.errors).toEqual(['/payload/sku must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"']);
  });

  it('puts ids from the body into the path and answers accepted with the ids, rejected with the API message', () => {
    const parsed = parseCommand(JSON.stringify({ type: 'UpsertItem', idempotencyKey: 'k', correlationId: 'c', payload: { sku: 'A.1', description: 'Bolt', unit: 'each' } }), {});
    if (!parsed.ok) throw new Error(parsed.errors.join());
    expect(requestFor(parsed.command)).toEqual({ method: 'PUT', path: '/items/A.1', body: { description: 'Bolt', unit: 'each' } });
    expect(replyFor(parsed.command, { status: 201, body: { sku: 'A.1', description: 'Bolt', unit: 'each', revision: 1, changed: true }, position: 7 })).toEqual({
      correlationId: 'c',
      idempotencyKey: 'k',
      commandType: 'UpsertItem',
      status: 'accepted',
      result: { sku: 'A.1', revision: 1, changed: true },
      position: 7,
    });
    expect(replyFor(parsed.command, { status: 400, body: { statusCode: 400, message: ['unit must be a lower-case unit', 'description should not be empty'] }, position: null })).toMatchObject({
      status: 'rejected',
      reason: 'unit must be a lower-case unit; description should not be empty',
      errors: ['unit must be a lower-case unit', 'description should not be empty'],
    });
  });
});
