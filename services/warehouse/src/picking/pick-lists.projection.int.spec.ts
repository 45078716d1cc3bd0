import fc from 'fast-check';
import type { RecordedEvent } from '@bintrail/contracts';
import { recordedEvents } from '@bintrail/testing';
import { quoteIdent, runMigrations, type SqlDatabase } from '@bintrail/event-store';
import { readModelDatabases } from '@bintrail/event-store/testing';
import { pickListsProjection } from './pick-lists.projection';

const TABLES = ['warehouse_pick_lines', 'warehouse_pick_bins'];
const BINS = ['A-01', 'A-02', 'B-01'];

/** One event on one of a few order lines of two warehouses; its quantities mostly fit the line (as the warehouse decides them), now and then not. */
interface Step {
  readonly kind: 'allocate' | 'reallocate' | 'short-allocation' | 'short-staged' | 'release' | 'pick' | 'short-pick' | 'dispatch';
  readonly line: number;
  readonly bin: number;
  readonly to: number;
  readonly quantity: number;
  /** Most events take their quantity from what the line holds; the others may overdraw it (apply refuses them). */
  readonly fits: boolean;
}

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('allocate', 'allocate', 'reallocate', 'short-allocation', 'short-staged', 'release', 'pick', 'pick', 'short-pick', 'dispatch'),
  line: fc.nat(5),
  bin: fc.nat(BINS.length - 1),
  to: fc.nat(BINS.length - 1),
  quantity: fc.integer({ min: 0, max: 4 }),
  fits: fc.nat(4).map((n) => n > 0),
});

/** A random stretch of picking as the log records it, with the model of each line's bins the generator keeps to choose fitting quantities. */
function pickingOf(steps: readonly Step[]): RecordedEvent[] {
  const recorded = recordedEvents();
  const held = new Map<number, { toPick: Map<string, number>; staged: number }>();
  return steps.map((s) => {
    const warehouse = s.line % 2 === 0 ? 'WH1' : 'WH2';
    const data = { orderId: `O${s.line % 3}`, lineId: `L${s.line}`, sku: `S${s.line}` };
    const model = held.get(s.line) ?? { toPick: new Map<string, number>(), staged: 0 };
    held.set(s.line, model);
    const bin = BINS[s.bin]!;
    const to = BINS[s.to]!;
    const inBin = model.toPick.get(bin) ?? 0;
    const q = s.fits ? Math.min(s.quantity, inBin) : s.quantity;
    const book = (b: string, delta: number) => model.toPick.set(b, Math.max(0, (model.toPick.get(b) ?? 0) + delta));
    const event = (type: string, d: object) => recorded(type, { ...data, ...d }, `warehouse-${warehouse}`);
    switch (s.kind) {
      case 'allocate':
        book(bin, s.quantity);
        return event('warehouse.StockAllocated', { requested: s.quantity + 1, allocations: [{ bin, quantity: s.quantity }], shortQuantity: 1 });
      case 'reallocate':
        book(bin, -q);
        book(to, q);
        return event('warehouse.StockReallocated', { fromBin: bin, quantity: q, reallocations: [{ bin: to, quantity: q }] });
      case 'short-allocation':
        book(bin, -q);
        return event('warehouse.AllocationShorted', { bin, quantity: q });
      case 'short-staged': {
        const staged = Math.min(s.quantity, model.staged);
        model.staged -= staged;
        return event('warehouse.AllocationShorted', { bin: 'STAGING', quantity: staged });
      }
      case 'release': {
        const allocations = [...model.toPick].filter(([, n]) => n > 0).map(([b, quantity]) => ({ bin: b, quantity: s.fits ? quantity : quantity + 1 }));
        const stagedQuantity = model.staged;
        model.toPick.clear();
        model.staged = 0;
        return event('warehouse.AllocationReleased', { allocations, stagedQuantity });
      }
      case 'pick':
        book(bin, -q);
        model.staged += q;
        return event('warehouse.StockPicked', { bin, quantity: q });
      case 'short-pick': {
        const moved = Math.floor(q / 2);
        book(bin, -q);
        book(to, moved);
        return event('warehouse.PickShorted', { bin, shortQuantity: q, reallocations: moved > 0 ? [{ bin: to, quantity: moved }] : [], unfilledQuantity: q - moved });
      }
      case 'dispatch': {
        const quantity = model.staged;
        model.staged = 0;
        return event('warehouse.StockDispatched', { quantity, shipmentId: `SH${s.line}` });
      }
    }
  });
}

const targets = readModelDatabases('pick_lists_batch');

/** Pick lists: a live batch through applyBatch books what apply books event by event, refused events included. */
describe.each(targets)('pick-lists projection (%s)', (_name, makeTarget) => {
  const target = makeTarget();
  let db: SqlDatabase;
  const freshSchema = async (): Promise<string> => {
    const schema = target.schema();
    await runMigrations(db, schema, `projection:${pickListsProjection.name}`, pickListsProjection.migrations);
    return quoteIdent(schema);
  };
  const rows = async (s: string, table: string) => (await db.query(`SELECT * FROM ${s}.${table}`)).rows.map((r) => JSON.stringify(r)).sort();
  /** As the runner does: each event in its own transaction, one that throws is parked (its effects rolled back). */
  const applyOneByOne = async (events: readonly RecordedEvent[], s: string): Promise<number> => {
    let parked = 0;
    for (const event of events) await db.transaction((tx) => pickListsProjection.apply(event, tx, s)).catch(() => parked++);
    return parked;
  };
  /** As the runner does with a live batch: applyBatch in one transaction; when it throws, rolled back and applied event by event. */
  const applyInBatches = async (events: readonly RecordedEvent[], s: string, cuts: readonly number[]) => {
    const bounds = [0, ...[...new Set(cuts.map((c) => c % (events.length + 1)))].sort((a, b) => a - b), events.length];
    for (let i = 1; i < bounds.length; i++) {
      const batch = events.slice(bounds[i - 1], bounds[i]);
      if (batch.length === 0) continue;
      await db.transaction((tx) => pickListsProjection.applyBatch!(batch, tx, s)).catch(() => applyOneByOne(batch, s));
    }
  };

  beforeAll(() => {
    db = target.open();
  });
  afterAll(async () => {
    await db.close();
    await target.cleanup();
  });

  it('books the same pick lines and bins through applyBatch as through apply event by event, over random picking cut into random batches', async () => {
    let parkedRuns = 0;
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 60 }), fc.array(fc.nat(1_000), { maxLength: 8 }), async (steps, cuts) => {
        const events = pickingOf(steps);
        const single = await freshSchema();
        if ((await applyOneByOne(events, single)) > 0) parkedRuns++;
        const batched = await freshSchema();
        await applyInBatches(events, batched, cuts);
        for (const table of TABLES) {
          const expected = await rows(single, table);
          if (table === 'warehouse_pick_bins' && expected.length > 0) nonEmpty++;
          expect({ table, rows: await rows(batched, table) }).toEqual({ table, rows: expected });
        }
      }),
      { numRuns: 20 },
    );
    // the runs reach bins left to pick, and events apply refuses
    expect(nonEmpty).toBeGreaterThan(0);
    expect(parkedRuns).toBeGreaterThan(0);
  });

  it('refuses a batch that apply would refuse part-way, even when the batch as a whole nets out, and books nothing of it', async () => {
    const recorded = recordedEvents({ from: 10_000 });
    const line = { orderId: 'O1', lineId: 'L1', sku: 'S1' };
    const batched = await freshSchema();
    await db.transaction((tx) => pickListsProjection.applyBatch!([recorded('warehouse.StockAllocated', { ...line, requested: 2, allocations: [{ bin: 'A-01', quantity: 2 }], shortQuantity: 0 })], tx, batched));
    const before = await Promise.all(TABLES.map((t) => rows(batched, t)));
    const overPicked = recorded('warehouse.StockPicked', { ...line, bin: 'A-01', quantity: 3 });
    const reallocated = recorded('warehouse.PickShorted', { ...line, bin: 'B-01', shortQuantity: 0, reallocations: [{ bin: 'A-01', quantity: 1 }], unfilledQuantity: 0 });
    await expect(db.transaction((tx) => pickListsProjection.apply(overPicked, tx, batched))).rejects.toThrow('order O1 line L1 would have -1 units to pick in bin A-01 of WH1');
    await expect(db.transaction((tx) => pickListsProjection.applyBatch!([overPicked, reallocated], tx, batched))).rejects.toThrow('order O1 line L1 would have -1 units to pick in bin A-01 of WH1');
    expect(await Promise.all(TABLES.map((t) => rows(batched, t)))).toEqual(before);
  });
});
