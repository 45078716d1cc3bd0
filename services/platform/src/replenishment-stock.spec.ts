import fc from 'fast-check';
import { evolveLayout, evolveSkuBins, isLayoutEvent, isStockEvent, stockLevels, type SkuBins, type WarehouseLayout } from '@bintrail/replenishment';
import { decideWarehouse, evolveWarehouse, initialWarehouseState, keyedValues, toPick, WarehouseError, type WarehouseCommand, type WarehouseState } from '@bintrail/warehouse';

/**
 * Replenishment reads the warehouse's stock from its public events only. Random days in a warehouse (the warehouse
 * service's own decide/evolve; refused commands skipped) must leave replenishment's fold of those events with the
 * very bin quantities and allocations the warehouse's own state holds, so its "available" is the warehouse's.
 */
const SKUS = ['S1', 'S2'];
const BINS = ['A-01', 'A-02', 'R-01', 'DOCK', 'STAGING'];
const setup: WarehouseCommand[] = [
  { type: 'CreateWarehouse', code: 'WH1', name: 'Property warehouse' },
  { type: 'AddBin', code: 'A-01', zone: 'A', capacity: 8 },
  { type: 'AddBin', code: 'A-02', zone: 'A' },
  { type: 'AddBin', code: 'R-01', zone: 'RESERVE' },
];

type Step =
  | { readonly kind: 'command'; readonly command: WarehouseCommand }
  | { readonly kind: 'pick'; readonly line: number; readonly short: number }
  | { readonly kind: 'dispatch'; readonly line: number; readonly shipment: number };

const sku = fc.constantFrom(...SKUS);
const bin = fc.constantFrom(...BINS);
const quantity = fc.integer({ min: 1, max: 6 });
const line = fc.record({ orderId: fc.constantFrom('O1', 'O2', 'O3'), lineId: fc.constantFrom('L1', 'L2') });
const command = (a: fc.Arbitrary<WarehouseCommand>): fc.Arbitrary<Step> => a.map((c) => ({ kind: 'command' as const, command: c }));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: command(fc.record({ type: fc.constant('ReceiveStock' as const), receiptId: fc.constantFrom('R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8'), sku, quantity })) },
  { weight: 1, arbitrary: command(fc.record({ type: fc.constant('PutAway' as const), sku, quantity, fromBin: fc.constant('DOCK'), toBin: bin })) },
  { weight: 1, arbitrary: command(fc.record({ type: fc.constant('MoveStock' as const), sku, quantity, fromBin: bin, toBin: bin })) },
  { weight: 1, arbitrary: command(fc.record({ type: fc.constant('CountBin' as const), countId: fc.constantFrom('C1', 'C2', 'C3', 'C4'), bin, sku, countedQuantity: fc.integer({ min: 0, max: 7 }), reason: fc.constant('cycle count') })) },
  { weight: 1, arbitrary: command(fc.tuple(line, sku, fc.integer({ min: 1, max: 9 })).map(([l, s, q]) => ({ type: 'AllocateStock' as const, ...l, sku: s, quantity: q }))) },
  { weight: 1, arbitrary: command(line.map((l) => ({ type: 'ReleaseAllocation' as const, ...l }))) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pick' as const), line: fc.nat(5), short: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dispatch' as const), line: fc.nat(5), shipment: fc.nat(3) }) },
);

/** Picks from an open pick list, or ships what a line has staged: intentions resolved against the state of the moment. */
function resolve(s: Step, w: WarehouseState): WarehouseCommand | undefined {
  if (s.kind === 'command') return s.command;
  if (!w.exists) return undefined;
  const lines = keyedValues(w.lines).sort((a, b) => a.sequence - b.sequence);
  const l = lines[s.line % Math.max(lines.length, 1)];
  if (!l) return undefined;
  if (s.kind === 'dispatch') return { type: 'DispatchStock', orderId: l.orderId, lineId: l.lineId, shipmentId: `SH${s.shipment}` };
  const [first] = toPick(l);
  if (!first) return undefined;
  return { type: 'ConfirmPick', orderId: l.orderId, lineId: l.lineId, bin: first.bin, sku: l.sku, quantity: first.quantity, pickedQuantity: Math.max(first.quantity - s.short, 0) };
}

describe("replenishment's stock from the warehouse's public events", () => {
  it('property: per bin and SKU, on hand and allocated equal the warehouse stream state after every event', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 30, maxLength: 80 }), (steps) => {
        let warehouse: WarehouseState = initialWarehouseState;
        let layout: WarehouseLayout = {};
        const bins = new Map<string, SkuBins>(SKUS.map((s) => [s, {}]));
        for (const s of [...setup.map((c): Step => ({ kind: 'command', command: c })), ...steps]) {
          const c = resolve(s, warehouse);
          if (!c) continue;
          let events;
          try {
            events = decideWarehouse(c, warehouse);
          } catch (error) {
            if (error instanceof WarehouseError) continue; // refused, like a refused request
            throw error;
          }
          for (const event of events) {
            warehouse = evolveWarehouse(warehouse, event);
            if (isLayoutEvent(event)) layout = evolveLayout(layout, event);
            else if (isStockEvent(event)) bins.set(event.data.sku, evolveSkuBins(bins.get(event.data.sku)!, event));
            if (!warehouse.exists) continue;
            for (const sk of SKUS) {
              const expected: Record<string, { onHand: number; allocated: number }> = {};
              for (const [b, skus] of Object.entries(warehouse.stock)) if (skus[sk]) expected[b] = { ...skus[sk]! };
              expect(bins.get(sk)).toEqual(expected);
              const levels = stockLevels(bins.get(sk)!, layout);
              expect(levels.available).toBe(Object.values(expected).reduce((n, q) => n + q.onHand - q.allocated, 0));
            }
          }
        }
        expect(layout['R-01']).toEqual({ kind: 'storage', zone: 'RESERVE' });
      }),
      { numRuns: 150 },
    );
  });
});
