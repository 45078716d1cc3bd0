import { randomUUID } from 'node:crypto';
import { contractDataErrors, type RecordedEvent } from '@bintrail/contracts';
import { EventDecoder, InvalidMessage, encodeEvent } from './wire';

const event: RecordedEvent = {
  type: 'warehouse.StockPicked',
  version: 1,
  eventId: randomUUID(),
  streamId: 'warehouse-WH1',
  streamPosition: 3,
  globalPosition: 42,
  occurredAt: new Date('2026-03-01T10:00:00.000Z'),
  data: { sku: 'SKU-1', bin: 'A-01-03', quantity: 2 },
  metadata: { correlationId: 'corr-9', causationId: 'cmd-7', actor: 'picker:17', source: 'warehouse' },
};

const asIncoming = (m: ReturnType<typeof encodeEvent>) => ({ ...m, partition: 0, offset: '0' });

describe('event wire format', () => {
  it('puts the event on its category topic, keyed by stream, with contract headers, and reads it back', () => {
    const message = encodeEvent(event);
    expect(message.topic).toBe('bintrail.warehouse.events');
    expect(message.key).toBe('warehouse-WH1');
    expect(message.headers).toMatchObject({
      'event-id': event.eventId,
      'event-type': 'warehouse.StockPicked',
      'event-version': '1',
      'correlation-id': 'corr-9',
      'causation-id': 'cmd-7',
    });
    expect(new EventDecoder().decode(asIncoming(message))).toEqual(event);
  });

  it.each([
    ['not JSON', (v: string) => v.slice(1), /not JSON/],
    ['a missing eventId', (v: string) => JSON.stringify({ ...JSON.parse(v), eventId: undefined }), /eventId/],
    ['a type without category', (v: string) => JSON.stringify({ ...JSON.parse(v), type: 'StockPicked' }), /type/],
    ['metadata without correlationId', (v: string) => JSON.stringify({ ...JSON.parse(v), metadata: { actor: 'x', source: 'y', causationId: null } }), /correlationId/],
  ])('refuses %s with a reason', (_what, corrupt, reason) => {
    const message = encodeEvent(event);
    expect(() => new EventDecoder().decode(asIncoming({ ...message, value: corrupt(message.value) }))).toThrow(InvalidMessage);
    expect(() => new EventDecoder().decode(asIncoming({ ...message, value: corrupt(message.value) }))).toThrow(reason);
  });

  it('checks data against the registered schema of its type and version', () => {
    const decoder = new EventDecoder({
      'warehouse.StockPicked@1': { type: 'object', required: ['quantity'], properties: { quantity: { type: 'integer', minimum: 1 } } },
    });
    const bad = encodeEvent({ ...event, data: { sku: 'SKU-1', quantity: 0 } });
    expect(() => decoder.decode(asIncoming(bad))).toThrow(/data\/quantity must be >= 1/);
  });

  it('checks data against the published contract, by type and version, naming the field and the rule', () => {
    const decoder = new EventDecoder(contractDataErrors);
    const picked = { ...event, data: { orderId: 'SO-1', lineId: 'L1', sku: 'SKU-1', bin: 'A-01-03', quantity: 2 } };
    expect(decoder.decode(asIncoming(encodeEvent(picked)))).toEqual(picked);
    const bad = encodeEvent({ ...picked, data: { ...picked.data, quantity: 0, colour: 'red' } });
    expect(() => decoder.decode(asIncoming(bad))).toThrow(InvalidMessage);
    expect(() => decoder.decode(asIncoming(bad))).toThrow("data of warehouse.StockPicked v1 is invalid: / must NOT have additional property 'colour'; /quantity must be >= 1");
    // A version the contract does not know is refused, not waved through.
    expect(() => decoder.decode(asIncoming(encodeEvent({ ...picked, version: 2 })))).toThrow('warehouse.StockPicked has no version 2 (known: 1)');
    // A category outside the public contract (a service's own) is checked by envelope only.
    const own = { ...event, type: 'replenishment.ReorderRaised', data: { anything: true } };
    expect(decoder.decode(asIncoming(encodeEvent(own)))).toEqual(own);
  });
});
