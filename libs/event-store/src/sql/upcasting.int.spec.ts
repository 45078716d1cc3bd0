import { PGlite } from '@electric-sql/pglite';
import { UpcasterRegistry, type RecordedEvent } from '@bintrail/contracts';
import { dropSchema, testDatabaseUrl, uniqueSchema } from '@bintrail/testing';
import { InMemoryEventStore } from '../in-memory';
import type { EventStore } from '../port';
import { collectUntil } from '../testing';
import { pgliteDatabase, postgresDatabase, type SqlDatabase } from './database';
import { SqlEventStore } from './sql-event-store';

/**
 * A test-only event whose data changed shape: v1 weighed a parcel in grams, v2 says the unit, and v3
 * names the scale (taken from the envelope's metadata). Stored v1 events are read as v3, step by step;
 * the stored rows stay as written.
 */
type WeighedV1 = { readonly parcel: string; readonly grams: number };
type WeighedV2 = { readonly parcel: string; readonly weight: { readonly value: number; readonly unit: 'g' } };
type WeighedV3 = WeighedV2 & { readonly scale: string };

const upcasters = () =>
  new UpcasterRegistry([
    { type: 'testing.ParcelWeighed', fromVersion: 1, toVersion: 2, up: (d: WeighedV1): WeighedV2 => ({ parcel: d.parcel, weight: { value: d.grams, unit: 'g' } }) },
    { type: 'testing.ParcelWeighed', fromVersion: 2, toVersion: 3, up: (d: WeighedV2, e: RecordedEvent): WeighedV3 => ({ ...d, scale: e.metadata.actor }) },
  ]);

const v3 = (parcel: string, value: number): WeighedV3 => ({ parcel, weight: { value, unit: 'g' }, scale: 'scale:7' });

async function appendHistory(store: EventStore): Promise<void> {
  await store.appendToStream('parcel-P1', [
    { type: 'testing.ParcelWeighed', version: 1, data: { parcel: 'P1', grams: 250 }, metadata: { actor: 'scale:7' } },
    { type: 'testing.ParcelLabelled', version: 1, data: { parcel: 'P1', label: 'L-1' }, metadata: { actor: 'scale:7' } },
    { type: 'testing.ParcelWeighed', version: 1, data: { parcel: 'P1', grams: 245 }, metadata: { actor: 'scale:7' } },
  ]);
}

const shape = (events: readonly RecordedEvent[]) => events.map((e) => ({ type: e.type, version: e.version, data: e.data }));

const expected = [
  { type: 'testing.ParcelWeighed', version: 3, data: v3('P1', 250) },
  { type: 'testing.ParcelLabelled', version: 1, data: { parcel: 'P1', label: 'L-1' } },
  { type: 'testing.ParcelWeighed', version: 3, data: v3('P1', 245) },
];

describe.each([
  ['PostgreSQL', 'postgres'],
  ['PGlite', 'pglite'],
] as const)('upcasting on read, SQL store on %s', (_name, kind) => {
  let schema: string;
  let db: SqlDatabase;
  let store: SqlEventStore;

  beforeEach(async () => {
    schema = uniqueSchema('upcast');
    db = kind === 'postgres' ? postgresDatabase({ connectionString: testDatabaseUrl(), max: 2 }) : pgliteDatabase(await PGlite.create());
    store = await SqlEventStore.open(db, { schema, upcast: upcasters() });
    await appendHistory(store);
  });

  afterEach(async () => {
    await store.close();
    if (kind === 'postgres') await dropSchema(testDatabaseUrl(), schema);
  });

  it('reads stored v1 events as the newest version through readStream, readAll, readAllSerialized and a subscription', async () => {
    expect(shape(await store.readStream('parcel-P1'))).toEqual(expected);
    expect(shape(await store.readStream('parcel-P1', { direction: 'backwards' }))).toEqual([...expected].reverse());
    expect(shape(await store.readAll())).toEqual(expected);
    expect(shape(await collectUntil(store, {}, (seen) => seen.length >= 3))).toEqual(expected);
    const serialized = await store.readAllSerialized();
    expect(serialized.map((s) => s.version)).toEqual([3, 1, 3]);
    expect(serialized.map((s) => JSON.parse(s.json) as RecordedEvent).map((e) => ({ type: e.type, version: e.version, data: e.data }))).toEqual(expected);
    // Only the data and version change: the envelope (ids, positions, time, metadata) is the stored one.
    const [first] = await store.readStream('parcel-P1');
    expect(first).toMatchObject({ streamPosition: 1, globalPosition: 1, metadata: { actor: 'scale:7' } });
    expect(JSON.parse(serialized[0]!.json)).toMatchObject({ eventId: first!.eventId, occurredAt: first!.occurredAt.toISOString() });
  });

  it('leaves the stored rows as written: version 1, v1 data', async () => {
    const { rows } = await db.query<{ version: number; data: unknown }>(`SELECT version, data FROM "${schema}".events ORDER BY global_position`);
    expect(rows).toEqual([
      { version: 1, data: { parcel: 'P1', grams: 250 } },
      { version: 1, data: { parcel: 'P1', label: 'L-1' } },
      { version: 1, data: { parcel: 'P1', grams: 245 } },
    ]);
  });

  it('reads events as stored when opened without upcasters', async () => {
    const plain = await SqlEventStore.open(db, { schema });
    const events = await plain.readAll();
    expect(events.map((e) => e.version)).toEqual([1, 1, 1]);
    expect(events[0]!.data).toEqual({ parcel: 'P1', grams: 250 });
  });
});

describe('upcasting on read, in-memory store', () => {
  it('reads v1 events as the newest version', async () => {
    const store = new InMemoryEventStore({ upcast: upcasters() });
    await appendHistory(store);
    expect(shape(await store.readStream('parcel-P1'))).toEqual(expected);
    expect(shape(await store.readAll())).toEqual(expected);
  });
});
