import fc from 'fast-check';
import {
  decideWarehouse,
  evolveWarehouse,
  initialWarehouseState,
  keyedValues,
  toPick,
  WarehouseError,
  type WarehouseCommand,
  type WarehouseEvent,
  type WarehouseState,
} from '../stock/warehouse.domain';
import { binChanges, warehouseOfStream } from './bin-changes.domain';

/** Bin quantities folded from binChanges, the way the read models book them: `bin|sku` → quantities. */
type Booked = Map<string, { onHand: number; allocated: number }>;

function book(booked: Booked, event: WarehouseEvent): void {
  for (const c of binChanges(event)) {
    const key = `${c.bin}|${c.sku}`;
    const before = booked.get(key) ?? { onHand: 0, allocated: 0 };
    const after = { onHand: before.onHand + c.onHand, allocated: before.allocated + c.allocated };
    if (after.onHand === 0 && after.allocated === 0) booked.delete(key);
    else booked.set(key, after);
  }
}

function stockOf(state: WarehouseState): Booked {
  const stock: Booked = new Map();
  if (!state.exists) return stock;
  for (const [bin, skus] of Object.entries(state.stock)) for (const [sku, s] of Object.entries(skus)) stock.set(`${bin}|${sku}`, { ...s });
  return stock;
}

const setup: WarehouseCommand[] = [
  { type: 'CreateWarehouse', code: 'WH1', name: 'Read model warehouse' },
  { type: 'AddBin', code: 'A-01', capacity: 5 },
  { type: 'AddBin', code: 'A-02', capacity: 8 },
  { type: 'AddBin', code: 'B-01' },
];
const sku = fc.constantFrom('S1', 'S2');
const bin = fc.constantFrom('A-01', 'A-02', 'B-01', 'DOCK', 'STAGING');
const quantity = fc.integer({ min: 1, max: 6 });
const line = fc.record({ orderId: fc.constantFrom('O1', 'O2', 'O3'), lineId: fc.constantFrom('L1', 'L2') });

/** Commands, and picks resolved against the pick lists of the moment (`pick`: which line, how many found missing). */
type Step = WarehouseCommand | { readonly type: 'pick'; readonly line: number; readonly missing: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ type: fc.constant('ReceiveStock' as const), receiptId: fc.uuid(), sku, quantity, bin }),
  fc.record({ type: fc.constant('PutAway' as const), sku, quantity, fromBin: bin, toBin: fc.option(bin, { nil: undefined }) }, { requiredKeys: ['type', 'sku', 'quantity', 'fromBin'] }),
  fc.record({ type: fc.constant('MoveStock' as const), sku, quantity, fromBin: bin, toBin: bin }),
  fc.record({ type: fc.constant('CountBin' as const), countId: fc.uuid(), bin, sku, countedQuantity: fc.integer({ min: 0, max: 6 }), reason: fc.constant('cycle count') }),
  fc.tuple(line, sku, quantity).map(([l, s, q]): Step => ({ type: 'AllocateStock', ...l, sku: s, quantity: q })),
  line.map((l): Step => ({ type: 'ReleaseAllocation', ...l })),
  fc.tuple(line, fc.constantFrom('SH1', 'SH2')).map(([l, shipmentId]): Step => ({ type: 'DispatchStock', ...l, shipmentId })),
  fc.record({ type: fc.constant('pick' as const), line: fc.nat(5), missing: fc.integer({ min: 0, max: 3 }) }),
);

function resolve(s: Step, state: WarehouseState): WarehouseCommand | undefined {
  if (s.type !== 'pick') return s;
  if (!state.exists) return undefined;
  const open = keyedValues(state.lines).sort((a, b) => a.sequence - b.sequence).filter((l) => toPick(l).length > 0);
  const picking = open[s.line % Math.max(open.length, 1)];
  if (!picking) return undefined;
  const { bin: from, quantity: held } = toPick(picking)[0]!;
  return { type: 'ConfirmPick', orderId: picking.orderId, lineId: picking.lineId, bin: from, sku: picking.sku, quantity: held, pickedQuantity: Math.max(0, held - s.missing) };
}

describe('bin changes (what the bin read models book per event)', () => {
  it('fold to exactly the stream state, after every event of random days', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 60 }), (steps) => {
        let state = setup.reduce((s, c) => decideWarehouse(c, s).reduce(evolveWarehouse, s), initialWarehouseState);
        const booked: Booked = new Map();
        for (const s of steps) {
          const command = resolve(s, state);
          if (!command) continue;
          let events: WarehouseEvent[];
          try {
            events = decideWarehouse(command, state);
          } catch (error) {
            if (error instanceof WarehouseError) continue;
            throw error;
          }
          for (const event of events) {
            state = evolveWarehouse(state, event);
            book(booked, event);
            expect(booked).toEqual(stockOf(state));
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('books a move as units out of one bin and into another, and leaves a count without difference out', () => {
    expect(binChanges({ type: 'warehouse.StockMoved', data: { sku: 'S1', fromBin: 'A-01', toBin: 'A-02', quantity: 3 } })).toEqual([
      { bin: 'A-01', sku: 'S1', onHand: -3, allocated: 0 },
      { bin: 'A-02', sku: 'S1', onHand: 3, allocated: 0 },
    ]);
    expect(binChanges({ type: 'warehouse.BinCounted', data: { countId: 'C1', bin: 'A-01', sku: 'S1', countedQuantity: 4, previousQuantity: 4, reason: 'cycle count' } })).toEqual([]);
  });

  it('reads the warehouse code from the stream id', () => {
    expect(warehouseOfStream('warehouse-WH1')).toBe('WH1');
  });
});
