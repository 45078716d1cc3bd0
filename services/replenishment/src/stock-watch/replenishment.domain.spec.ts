import fc from 'fast-check';
import {
  decide,
  evolve,
  initialReplenishmentState,
  InvalidReorderPoint,
  replenishmentStreamId,
  setReorderPoint,
  type ReplenishmentEvent,
  type ReplenishmentState,
} from './replenishment.domain';
import { evolveLayout, evolveSkuBins, stockLevels, type WarehouseLayout, type WarehouseLayoutEvent, type WarehouseStockEvent } from './warehouse-stock.domain';

const where = { warehouse: 'WH1', sku: 'SKU-1' };
const sku = where.sku;

const created: WarehouseLayoutEvent = {
  type: 'warehouse.WarehouseCreated',
  data: {
    code: 'WH1',
    bins: [
      { code: 'DOCK', kind: 'dock' },
      { code: 'STAGING', kind: 'staging' },
    ],
  },
};
const pickBin = (code: string): WarehouseLayoutEvent => ({ type: 'warehouse.BinAdded', data: { code, kind: 'storage', zone: 'A' } });
const reserveBin = (code: string): WarehouseLayoutEvent => ({ type: 'warehouse.BinAdded', data: { code, kind: 'storage', zone: 'RESERVE' } });
const layoutOf = (...events: WarehouseLayoutEvent[]): WarehouseLayout => events.reduce(evolveLayout, {});
const standardLayout = layoutOf(created, pickBin('A-01'), pickBin('A-02'), reserveBin('R-01'), reserveBin('R-02'));

const received = (bin: string, quantity: number): WarehouseStockEvent => ({ type: 'warehouse.StockReceived', data: { sku, bin, quantity } });
const moved = (fromBin: string, toBin: string, quantity: number): WarehouseStockEvent => ({ type: 'warehouse.StockMoved', data: { sku, fromBin, toBin, quantity } });
const allocated = (bin: string, quantity: number): WarehouseStockEvent => ({ type: 'warehouse.StockAllocated', data: { sku, allocations: [{ bin, quantity }] } });
const reorderPointSet = (reorderPoint: number, reorderQuantity: number): ReplenishmentEvent => ({ type: 'replenishment.ReorderPointSet', data: { ...where, reorderPoint, reorderQuantity } });

/** given(past events).then(what decide says now): decide runs after every past event too, as the handler does. */
function given(layout: WarehouseLayout, ...events: (ReplenishmentEvent | WarehouseStockEvent)[]) {
  let state: ReplenishmentState = initialReplenishmentState;
  const emitted: ReplenishmentEvent[] = [];
  for (const event of events) {
    state = evolve(state, event);
    const decided = decide(where, state, layout);
    emitted.push(...decided);
    state = decided.reduce(evolve, state);
  }
  return { state, emitted, suggestions: emitted.filter((e) => e.type !== 'replenishment.ReorderPointSet') };
}

describe('stock levels from the warehouse events', () => {
  it('counts every bin in available (DOCK and STAGING too), the RESERVE zone apart', () => {
    const { state } = given(standardLayout, received('DOCK', 5), received('A-01', 10), received('R-01', 20), allocated('A-01', 4), allocated('R-01', 2));
    expect(stockLevels(state.bins, standardLayout)).toEqual({ onHand: 35, allocated: 6, available: 29, reserveFree: 18, pickFaceAvailable: 11 });
  });

  it('follows a line through pick and dispatch: picked units stay held in STAGING until they leave', () => {
    const picked: WarehouseStockEvent = { type: 'warehouse.StockPicked', data: { sku, bin: 'A-01', quantity: 3 } };
    const dispatched: WarehouseStockEvent = { type: 'warehouse.StockDispatched', data: { sku, quantity: 3 } };
    const afterPick = [received('A-01', 10), allocated('A-01', 3), picked].reduce(evolveSkuBins, {});
    expect(afterPick).toEqual({ 'A-01': { onHand: 7, allocated: 0 }, STAGING: { onHand: 3, allocated: 3 } });
    expect(evolveSkuBins(afterPick, dispatched)).toEqual({ 'A-01': { onHand: 7, allocated: 0 } });
  });

  it('gives back what a release, a short and a reallocation free', () => {
    const bins = [
      received('A-01', 10),
      received('A-02', 10),
      allocated('A-01', 6),
      { type: 'warehouse.StockReallocated', data: { sku, fromBin: 'A-01', reallocations: [{ bin: 'A-02', quantity: 2 }] } },
      { type: 'warehouse.AllocationShorted', data: { sku, bin: 'A-01', quantity: 1 } },
      { type: 'warehouse.PickShorted', data: { sku, bin: 'A-01', shortQuantity: 1, reallocations: [{ bin: 'A-02', quantity: 1 }] } },
      { type: 'warehouse.AllocationReleased', data: { sku, allocations: [{ bin: 'A-01', quantity: 2 }, { bin: 'A-02', quantity: 3 }], stagedQuantity: 0 } },
      { type: 'warehouse.StockAdjusted', data: { sku, bin: 'A-02', delta: -10 } },
    ].reduce((b, e) => evolveSkuBins(b, e as WarehouseStockEvent), {});
    expect(bins).toEqual({ 'A-01': { onHand: 10, allocated: 0 } });
  });
});

describe('replenishment suggestions', () => {
  it('names its stream per warehouse and SKU', () => {
    expect(replenishmentStreamId('WH1', 'SKU-1')).toBe('replenishment-WH1-SKU-1');
  });

  it('suggests nothing without a reorder point', () => {
    expect(given(standardLayout, received('A-01', 1), allocated('A-01', 1)).suggestions).toEqual([]);
  });

  it('suggests a purchase of the reorder quantity when available drops below the point and no reserve bin holds any', () => {
    const { suggestions } = given(standardLayout, reorderPointSet(5, 40), received('A-01', 8), allocated('A-01', 4));
    // Setting the point with nothing on hand is already a shortage: one suggestion, made then.
    expect(suggestions).toEqual([
      {
        type: 'replenishment.ReplenishmentSuggested',
        data: { ...where, kind: 'purchase', quantity: 40, reorderPoint: 5, levels: { onHand: 0, allocated: 0, available: 0, reserveFree: 0, pickFaceAvailable: 0 } },
      },
      // Stock came in (8 ≥ 5): closed; the allocation of 4 leaves 4 < 5: a new one.
      expect.objectContaining({ type: 'replenishment.ReplenishmentClosed', data: expect.objectContaining({ kind: 'purchase', levels: expect.objectContaining({ available: 8 }) }) }),
      expect.objectContaining({ type: 'replenishment.ReplenishmentSuggested', data: expect.objectContaining({ kind: 'purchase', quantity: 40, levels: expect.objectContaining({ available: 4 }) }) }),
    ]);
  });

  it('suggests a move from the reserve bin with the most free units to the pick face holding the SKU', () => {
    const { suggestions } = given(standardLayout, received('A-01', 10), received('R-01', 6), received('R-02', 30), allocated('R-02', 20), reorderPointSet(5, 8), allocated('A-01', 7));
    expect(suggestions).toEqual([
      {
        type: 'replenishment.ReplenishmentSuggested',
        data: { ...where, kind: 'move', fromBin: 'R-02', toBin: 'A-01', quantity: 8, reorderPoint: 5, levels: { onHand: 46, allocated: 27, available: 19, reserveFree: 16, pickFaceAvailable: 3 } },
      },
    ]);
  });

  it('moves at most what the reserve bin has free, to no bin in particular when no pick face holds the SKU', () => {
    const { suggestions } = given(standardLayout, received('R-01', 3), reorderPointSet(5, 8));
    expect(suggestions).toEqual([expect.objectContaining({ data: expect.objectContaining({ kind: 'move', fromBin: 'R-01', toBin: null, quantity: 3 }) })]);
  });

  it('makes one suggestion per shortage, not one per stock event', () => {
    const { suggestions } = given(standardLayout, reorderPointSet(10, 20), received('A-01', 12), allocated('A-01', 3), allocated('A-01', 1), allocated('A-01', 1), received('DOCK', 1));
    expect(suggestions.map((e) => e.type)).toEqual(['replenishment.ReplenishmentSuggested', 'replenishment.ReplenishmentClosed', 'replenishment.ReplenishmentSuggested']);
  });

  it('closes when the pick face is back at the point', () => {
    const { suggestions, state } = given(standardLayout, received('A-01', 10), received('R-01', 10), reorderPointSet(5, 10), allocated('A-01', 6), moved('R-01', 'A-01', 10));
    expect(suggestions.map((e) => `${e.type}:${'kind' in e.data ? e.data.kind : ''}`)).toEqual(['replenishment.ReplenishmentSuggested:move', 'replenishment.ReplenishmentClosed:move']);
    expect(state.open).toBeNull();
  });

  it('replaces an open move by a purchase when the reserve runs dry and the pick face is still short', () => {
    const { suggestions, state } = given(standardLayout, received('A-01', 4), received('R-01', 2), reorderPointSet(5, 10), allocated('R-01', 2));
    expect(suggestions.map((e) => (e.type === 'replenishment.ReplenishmentSuggested' ? e.data.kind : e.type))).toEqual(['move', 'purchase']);
    expect(state.open).toEqual({ kind: 'purchase', quantity: 10 });
  });

  it('keeps an open purchase when reserve stock turns up (no flip-flopping)', () => {
    const { suggestions } = given(standardLayout, reorderPointSet(5, 10), received('R-01', 3));
    expect(suggestions.map((e) => (e.type === 'replenishment.ReplenishmentSuggested' ? e.data.kind : e.type))).toEqual(['purchase']);
  });

  it('re-decides when the reorder point changes', () => {
    const { suggestions } = given(standardLayout, received('A-01', 6), reorderPointSet(5, 10), reorderPointSet(7, 10), reorderPointSet(2, 10));
    expect(suggestions.map((e) => e.type)).toEqual(['replenishment.ReplenishmentSuggested', 'replenishment.ReplenishmentClosed']);
  });

  it('property: a suggestion is open exactly while the pick face is below the point, and never twice in a row of one kind', () => {
    type Step = { op: 'receive' | 'allocate' | 'release' | 'move'; bin: number; to: number; quantity: number } | { op: 'point'; point: number };
    const bins = ['DOCK', 'A-01', 'A-02', 'R-01', 'R-02'];
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ op: fc.constantFrom('receive', 'allocate', 'release', 'move'), bin: fc.nat(4), to: fc.nat(4), quantity: fc.integer({ min: 1, max: 15 }) }),
      fc.record({ op: fc.constant('point'), point: fc.nat(20) }),
    ) as fc.Arbitrary<Step>;
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let state: ReplenishmentState = initialReplenishmentState;
        let last: string | null = null;
        for (const s of steps) {
          const free = (bin: string) => (state.bins[bin]?.onHand ?? 0) - (state.bins[bin]?.allocated ?? 0);
          let event: ReplenishmentEvent | WarehouseStockEvent | undefined;
          if (s.op === 'point') event = reorderPointSet(s.point, 10);
          else {
            const bin = bins[s.bin]!;
            const quantity = Math.min(s.quantity, s.op === 'release' ? (state.bins[bin]?.allocated ?? 0) : free(bin));
            if (s.op === 'receive') event = received(bin, s.quantity);
            else if (quantity === 0 || (s.op === 'move' && s.bin === s.to)) continue;
            else if (s.op === 'allocate') event = allocated(bin, quantity);
            else if (s.op === 'release') event = { type: 'warehouse.AllocationReleased', data: { sku, allocations: [{ bin, quantity }], stagedQuantity: 0 } };
            else event = moved(bin, bins[s.to]!, quantity);
          }
          state = evolve(state, event);
          for (const decided of decide(where, state, standardLayout)) {
            const label = decided.type === 'replenishment.ReplenishmentSuggested' ? decided.data.kind : 'closed';
            if (label === last) return false;
            last = label;
            state = evolve(state, decided);
          }
          const short = state.reorderPoint !== null && stockLevels(state.bins, standardLayout).pickFaceAvailable < state.reorderPoint.reorderPoint;
          if (short !== (state.open !== null)) return false;
        }
        return true;
      }),
    );
  });
});

describe('setting a reorder point', () => {
  it('records it', () => {
    expect(setReorderPoint({ warehouse: 'WH1', sku: 'SKU-1', reorderPoint: 0, reorderQuantity: 12 })).toEqual(reorderPointSet(0, 12));
  });

  it.each([
    [{ reorderPoint: -1 }, 'reorderPoint', 'must be an integer from 0 to 1000000000'],
    [{ reorderPoint: 1.5 }, 'reorderPoint', 'must be an integer'],
    [{ reorderPoint: '5' }, 'reorderPoint', 'must be an integer'],
    [{ reorderQuantity: 0 }, 'reorderQuantity', 'must be an integer from 1 to 1000000000'],
    [{ reorderQuantity: undefined }, 'reorderQuantity', 'must be an integer'],
    [{ warehouse: 'wh 1' }, 'warehouse', 'must be a warehouse code'],
    [{ sku: '-x' }, 'sku', 'must be 1-64 letters'],
  ])('refuses %p, naming the field %s', (change, field, rule) => {
    const request = { warehouse: 'WH1', sku: 'SKU-1', reorderPoint: 5, reorderQuantity: 10, ...change };
    expect(() => setReorderPoint(request)).toThrow(InvalidReorderPoint);
    expect(() => setReorderPoint(request)).toThrow(expect.objectContaining({ field, message: expect.stringContaining(`${field} ${rule}`) }));
  });
});
