import type { RecordedEvent } from './envelope';
import { UpcasterRegistry } from './upcasting';

const stored = (type: string, version: number, data: unknown): RecordedEvent => ({
  type,
  version,
  data,
  eventId: '8f1c5a52-3b1e-4a57-9a53-6c0f2b8e7d10',
  streamId: 'parcel-P1',
  streamPosition: 1,
  globalPosition: 1,
  occurredAt: new Date('2026-03-01T10:00:00Z'),
  metadata: { correlationId: 'c', causationId: null, actor: 'scale:7', source: 'test' },
});

describe('upcasters', () => {
  const registry = new UpcasterRegistry([
    { type: 'testing.ParcelWeighed', fromVersion: 2, toVersion: 3, up: (d: { grams: number }, e) => ({ ...d, scale: e.metadata.actor }) },
    { type: 'testing.ParcelWeighed', fromVersion: 1, toVersion: 2, up: (d: { g: number }) => ({ grams: d.g }) },
  ]);

  it('upcasts a stored event to the newest version step by step, whatever order they were registered in', () => {
    expect(registry.upcast(stored('testing.ParcelWeighed', 1, { g: 250 }))).toMatchObject({ version: 3, data: { grams: 250, scale: 'scale:7' } });
    expect(registry.upcast(stored('testing.ParcelWeighed', 2, { grams: 9 }))).toMatchObject({ version: 3, data: { grams: 9, scale: 'scale:7' } });
  });

  it('returns the same event when no upcaster applies', () => {
    const latest = stored('testing.ParcelWeighed', 3, { grams: 1, scale: 's' });
    const other = stored('testing.ParcelLabelled', 1, {});
    expect(registry.upcast(latest)).toBe(latest);
    expect(registry.upcast(other)).toBe(other);
    expect(registry.appliesTo('testing.ParcelWeighed', 1)).toBe(true);
    expect(registry.appliesTo('testing.ParcelWeighed', 3)).toBe(false);
    expect(registry.appliesTo('testing.ParcelLabelled', 1)).toBe(false);
  });

  it('refuses an upcaster that goes nowhere or is registered twice', () => {
    expect(() => registry.register({ type: 'testing.ParcelWeighed', fromVersion: 1, toVersion: 2, up: (d) => d })).toThrow('upcaster of testing.ParcelWeighed from version 1 is registered already');
    expect(() => new UpcasterRegistry([{ type: 't.X', fromVersion: 2, toVersion: 2, up: (d) => d }])).toThrow('toVersion must be an integer > fromVersion (2), got 2');
    expect(() => new UpcasterRegistry([{ type: 't.X', fromVersion: 0, toVersion: 1, up: (d) => d }])).toThrow('fromVersion must be an integer >= 1, got 0');
  });
});
