import { keyedGet } from './key-set.domain';
import { withdrawAllocations } from './allocation.domain';
import {
  BinNotAllowed,
  NoBinAvailable,
  ReceiptConflict,
  requireBin,
  requireFree,
  requireNotStaging,
  requirePositive,
  requireRoom,
  requireWholeNumber,
} from './warehouse-errors.domain';
import {
  applyEvents,
  binStock,
  compareCodes,
  DOCK,
  receiptKey,
  roomIn,
  unitsIn,
  type CommandOf,
  type Warehouse,
  type WarehouseEvent,
} from './warehouse-model.domain';

/**
 * Stock coming in and moving about: receipts (to the dock unless a bin is named), putaway, moves
 * between bins, and counts. Only unallocated units move: moving allocated ones would break a pick list.
 */

/** A receipt line (receiptId + SKU) is booked once: the same line again changes nothing, a different one is refused. */
export function receiveStock(command: CommandOf<'ReceiveStock'>, w: Warehouse): WarehouseEvent[] {
  const { receiptId, sku, quantity, expectedReceiptId } = command;
  const bin = command.bin ?? DOCK;
  requirePositive('quantity', quantity);
  requireBin(w, bin);
  requireNotStaging(bin);
  const booked = keyedGet(w.receipts, receiptKey(receiptId, sku));
  if (booked) {
    if (booked.bin === bin && booked.quantity === quantity) return [];
    throw new ReceiptConflict(receiptId, sku);
  }
  requireRoom(w, bin, quantity);
  const data = { receiptId, sku, bin, quantity, ...(expectedReceiptId === undefined ? {} : { expectedReceiptId }) };
  return [{ type: 'warehouse.StockReceived', data }];
}

export function putAway(command: CommandOf<'PutAway'>, w: Warehouse): WarehouseEvent[] {
  const { sku, quantity, fromBin } = command;
  requirePositive('quantity', quantity);
  requireBin(w, fromBin);
  requireFree(w, fromBin, sku, quantity);
  const toBin = command.toBin ?? suggestBin(w, sku, quantity, fromBin);
  if (requireBin(w, toBin).kind !== 'storage') throw new BinNotAllowed(toBin, 'stock is put away into a storage bin');
  requireDifferentBins(fromBin, toBin);
  requireRoom(w, toBin, quantity);
  return [{ type: 'warehouse.StockPutAway', data: { sku, fromBin, toBin, quantity, suggested: command.toBin === undefined } }];
}

export function moveStock(command: CommandOf<'MoveStock'>, w: Warehouse): WarehouseEvent[] {
  const { sku, quantity, fromBin, toBin } = command;
  requirePositive('quantity', quantity);
  requireBin(w, fromBin);
  requireBin(w, toBin);
  requireNotStaging(toBin);
  requireDifferentBins(fromBin, toBin);
  requireFree(w, fromBin, sku, quantity);
  requireRoom(w, toBin, quantity);
  return [{ type: 'warehouse.StockMoved', data: { sku, fromBin, toBin, quantity } }];
}

/**
 * A count is the truth about one SKU in one bin, and clears the bin's count flag. When it finds fewer
 * units than order lines hold there, those lines are re-allocated (or shorted) before the loss is
 * booked, so that no event leaves more allocated than on hand. A count above the bin's capacity is
 * refused: recount, or change the bin. Recording the same countId again changes nothing.
 */
export function countBin(command: CommandOf<'CountBin'>, w: Warehouse): WarehouseEvent[] {
  const { countId, bin, sku, countedQuantity, reason } = command;
  if (keyedGet(w.counts, countId)) return [];
  requireBin(w, bin);
  requireWholeNumber('countedQuantity', countedQuantity);
  const { onHand: previousQuantity, allocated } = binStock(w, bin, sku);
  const delta = countedQuantity - previousQuantity;
  if (delta > 0) requireRoom(w, bin, delta);

  const counted: WarehouseEvent[] = [{ type: 'warehouse.BinCounted', data: { countId, bin, sku, countedQuantity, previousQuantity, reason } }];
  const withdrawn = allocated > countedQuantity ? withdrawAllocations(applyEvents(w, counted), bin, sku, allocated - countedQuantity) : [];
  const adjusted: WarehouseEvent[] = delta === 0 ? [] : [{ type: 'warehouse.StockAdjusted', data: { countId, bin, sku, delta, reason } }];
  return [...counted, ...withdrawn, ...adjusted];
}

/**
 * Where putaway goes when no bin is named: a storage bin that already holds the SKU and has room for
 * all of it, else an empty storage bin with room (or no limit); by bin code. Bins waiting for a count are skipped.
 */
function suggestBin(w: Warehouse, sku: string, quantity: number, fromBin: string): string {
  const candidates = Object.values(w.bins)
    .filter((b) => b.kind === 'storage' && b.code !== fromBin && !w.binsToCount.includes(b.code) && roomIn(w, b.code) >= quantity)
    .map((b) => b.code)
    .sort(compareCodes);
  const suggestion = candidates.find((bin) => binStock(w, bin, sku).onHand > 0) ?? candidates.find((bin) => unitsIn(w, bin) === 0);
  if (suggestion === undefined) throw new NoBinAvailable(sku, quantity);
  return suggestion;
}

function requireDifferentBins(fromBin: string, toBin: string): void {
  if (fromBin === toBin) throw new BinNotAllowed(toBin, 'stock already is in this bin');
}
