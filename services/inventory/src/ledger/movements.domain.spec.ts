import { figureChangesOf, movementsOf, parseAsOf, type LedgerInput, type Movement } from './movements.domain';

type WithoutStream<E> = E extends unknown ? Omit<E, 'streamId'> : never;
const inWh1 = (event: WithoutStream<LedgerInput>): LedgerInput => ({ ...event, streamId: 'warehouse-WH1' }) as LedgerInput;

/**
 * given(past events).when(event).then(ledger rows): the rows the event adds, each with the running balance
 * of its (warehouse, bin, SKU) after it, as the projection books them (previous balance + delta).
 */
function given(past: readonly LedgerInput[]) {
  const balances = new Map<string, number>();
  const book = (event: LedgerInput) =>
    movementsOf(event).map((m) => {
      const key = JSON.stringify([m.warehouse, m.bin, m.sku]);
      const balance = (balances.get(key) ?? 0) + m.delta;
      balances.set(key, balance);
      return { ...m, balance };
    });
  past.forEach(book);
  return { when: (event: LedgerInput) => ({ then: (rows: readonly (Movement & { balance: number })[]) => expect(book(event)).toEqual(rows) }) };
}

const received = inWh1({ type: 'warehouse.StockReceived', data: { sku: 'S1', bin: 'DOCK', quantity: 10 } });
const putAway = inWh1({ type: 'warehouse.StockPutAway', data: { sku: 'S1', fromBin: 'DOCK', toBin: 'A-01', quantity: 6 } });
const allocated = inWh1({ type: 'warehouse.StockAllocated', data: { sku: 'S1', allocations: [{ bin: 'A-01', quantity: 4 }] } });
const picked = inWh1({ type: 'warehouse.StockPicked', data: { sku: 'S1', bin: 'A-01', quantity: 4 } });

describe('stock ledger: bin movements of on-hand', () => {
  it('a receipt adds to the bin it names', () => {
    given([]).when(received).then([{ warehouse: 'WH1', bin: 'DOCK', sku: 'S1', delta: 10, kind: 'receipt', balance: 10 }]);
  });

  it('a putaway is two rows: out of one bin, into the other', () => {
    given([received])
      .when(putAway)
      .then([
        { warehouse: 'WH1', bin: 'DOCK', sku: 'S1', delta: -6, kind: 'putaway-out', balance: 4 },
        { warehouse: 'WH1', bin: 'A-01', sku: 'S1', delta: 6, kind: 'putaway-in', balance: 6 },
      ]);
  });

  it('a move is two rows as well', () => {
    given([received, putAway])
      .when(inWh1({ type: 'warehouse.StockMoved', data: { sku: 'S1', fromBin: 'A-01', toBin: 'A-02', quantity: 2 } }))
      .then([
        { warehouse: 'WH1', bin: 'A-01', sku: 'S1', delta: -2, kind: 'move-out', balance: 4 },
        { warehouse: 'WH1', bin: 'A-02', sku: 'S1', delta: 2, kind: 'move-in', balance: 2 },
      ]);
  });

  it('an allocation moves no unit', () => {
    given([received, putAway]).when(allocated).then([]);
  });

  it('a pick moves units from the bin to STAGING', () => {
    given([received, putAway, allocated])
      .when(picked)
      .then([
        { warehouse: 'WH1', bin: 'A-01', sku: 'S1', delta: -4, kind: 'pick-out', balance: 2 },
        { warehouse: 'WH1', bin: 'STAGING', sku: 'S1', delta: 4, kind: 'pick-in', balance: 4 },
      ]);
  });

  it('a dispatch takes the units out of STAGING', () => {
    given([received, putAway, allocated, picked])
      .when(inWh1({ type: 'warehouse.StockDispatched', data: { sku: 'S1', quantity: 3 } }))
      .then([{ warehouse: 'WH1', bin: 'STAGING', sku: 'S1', delta: -3, kind: 'dispatch', balance: 1 }]);
  });

  it('a count adjustment books the difference', () => {
    given([received, putAway])
      .when(inWh1({ type: 'warehouse.StockAdjusted', data: { sku: 'S1', bin: 'A-01', delta: -1 } }))
      .then([{ warehouse: 'WH1', bin: 'A-01', sku: 'S1', delta: -1, kind: 'adjustment', balance: 5 }]);
  });

  it('a transfer is received into the destination like any receipt', () => {
    given([])
      .when({ type: 'warehouse.StockReceived', streamId: 'warehouse-WH2', data: { sku: 'S1', bin: 'DOCK', quantity: 5 } })
      .then([{ warehouse: 'WH2', bin: 'DOCK', sku: 'S1', delta: 5, kind: 'receipt', balance: 5 }]);
  });

  it('shipping and order events move no bin', () => {
    expect(movementsOf({ type: 'shipping.TransferDispatched', streamId: 'transfer-1', data: { sku: 'S1', toWarehouse: 'WH2', quantity: 5 } })).toEqual([]);
    expect(movementsOf({ type: 'order.LineBackOrdered', streamId: 'order-1', data: { sku: 'S1', quantity: 5 } })).toEqual([]);
  });
});

describe('stock ledger: reserved, in transit and back-ordered', () => {
  it('reserves per warehouse what is allocated, keeps picked units reserved in STAGING, and frees them at dispatch', () => {
    expect(figureChangesOf(allocated)).toEqual([{ warehouse: 'WH1', sku: 'S1', figure: 'reserved', delta: 4 }]);
    expect(figureChangesOf(picked)).toEqual([]);
    expect(figureChangesOf(inWh1({ type: 'warehouse.StockDispatched', data: { sku: 'S1', quantity: 3 } }))).toEqual([{ warehouse: 'WH1', sku: 'S1', figure: 'reserved', delta: -3 }]);
    expect(figureChangesOf(inWh1({ type: 'warehouse.AllocationReleased', data: { sku: 'S1', allocations: [{ bin: 'A-01', quantity: 2 }], stagedQuantity: 1 } }))).toEqual([
      { warehouse: 'WH1', sku: 'S1', figure: 'reserved', delta: -3 },
    ]);
    expect(figureChangesOf(putAway)).toEqual([]);
  });

  it('books units in transit to the destination and back-orders per SKU', () => {
    expect(figureChangesOf({ type: 'shipping.TransferDispatched', streamId: 'transfer-1', data: { sku: 'S1', toWarehouse: 'WH2', quantity: 5 } })).toEqual([
      { warehouse: 'WH2', sku: 'S1', figure: 'inTransit', delta: 5 },
    ]);
    expect(figureChangesOf({ type: 'order.LineBackOrdered', streamId: 'order-1', data: { sku: 'S1', quantity: 5 } })).toEqual([{ warehouse: '', sku: 'S1', figure: 'backOrdered', delta: 5 }]);
  });
});

describe('asOf', () => {
  it('is a global position or an ISO time', () => {
    expect(parseAsOf(undefined)).toBeUndefined();
    expect(parseAsOf('42')).toEqual({ position: 42 });
    expect(parseAsOf('2026-03-01')).toEqual({ time: new Date('2026-03-01T00:00:00Z') });
    expect(parseAsOf('2026-03-01T12:30:00.123+02:00')).toEqual({ time: new Date('2026-03-01T10:30:00.123Z') });
  });

  it('is nothing else', () => {
    for (const bad of ['', '-1', '1.5', 'yesterday', 'March 1', '2026-13-45', '2026-03-01T25:00:00Z', ['1', '2']]) expect(parseAsOf(bad)).toBeNull();
  });
});
