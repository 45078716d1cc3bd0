import { keyedGet, keyedValues } from './key-set.domain';
import {
  AllocationConflict,
  NothingStaged,
  OverPick,
  requireBin,
  requirePositive,
  requireWholeNumber,
  UnknownAllocation,
} from './warehouse-errors.domain';
import {
  applyEvents,
  compareCodes,
  freeIn,
  heldBy,
  lineKey,
  own,
  STAGING,
  totalOf,
  type BinQuantity,
  type CommandOf,
  type LineAllocation,
  type Warehouse,
  type WarehouseEvent,
} from './warehouse-model.domain';

/**
 * Allocation names the bins an order line's units come from (its pick list). Bins are chosen
 * deterministically: storage bins before the dock, the fewest bins (most unallocated units first,
 * ties by bin code). STAGING and bins waiting for a count are never allocated from.
 */
export function chooseBins(w: Warehouse, sku: string, quantity: number, excluded: readonly string[] = []) {
  const candidates = Object.values(w.bins)
    .filter((b) => b.kind !== 'staging' && !w.binsToCount.includes(b.code) && !excluded.includes(b.code))
    .map((b) => ({ bin: b.code, atDock: b.kind === 'dock', free: freeIn(w, b.code, sku) }))
    .filter((c) => c.free > 0)
    .sort((a, b) => Number(a.atDock) - Number(b.atDock) || b.free - a.free || compareCodes(a.bin, b.bin));
  const allocations: BinQuantity[] = [];
  let remaining = quantity;
  for (const candidate of candidates) {
    if (remaining === 0) break;
    const take = Math.min(candidate.free, remaining);
    allocations.push({ bin: candidate.bin, quantity: take });
    remaining -= take;
  }
  return { allocations, shortQuantity: remaining };
}

/**
 * An order line is allocated once in a warehouse's life: the same request again (a redelivered
 * message, a retried call) changes nothing, even after the line was picked or released; the same
 * line with another SKU or quantity is refused.
 */
export function allocateStock(command: CommandOf<'AllocateStock'>, w: Warehouse): WarehouseEvent[] {
  const { orderId, lineId, sku, quantity } = command;
  requirePositive('quantity', quantity);
  const existing = keyedGet(w.lines, lineKey(orderId, lineId));
  if (existing) {
    if (existing.sku === sku && existing.requested === quantity) return [];
    throw new AllocationConflict(orderId, lineId);
  }
  const { allocations, shortQuantity } = chooseBins(w, sku, quantity);
  return [{ type: 'warehouse.StockAllocated', data: { orderId, lineId, sku, requested: quantity, allocations, shortQuantity } }];
}

/** Gives back everything the line still holds: the bins not yet picked, and its picked units, which stay in STAGING unallocated. */
export function releaseAllocation(command: CommandOf<'ReleaseAllocation'>, w: Warehouse): WarehouseEvent[] {
  const line = requireLine(w, command.orderId, command.lineId);
  const allocations = toPick(line);
  const stagedQuantity = heldBy(line, STAGING);
  if (allocations.length === 0 && stagedQuantity === 0) return [];
  const { orderId, lineId, sku } = line;
  return [{ type: 'warehouse.AllocationReleased', data: { orderId, lineId, sku, allocations, stagedQuantity } }];
}

/**
 * `quantity` is what the picker was sent to pick in the bin (at most what the line holds there);
 * `pickedQuantity` (default: all of it) is what they found. Finding fewer is a short pick: the line's
 * remaining hold on that bin is re-allocated from other bins in the same decision, what cannot be
 * covered is unfilled, and the bin waits for a count (the missing units are not assumed gone).
 */
export function confirmPick(command: CommandOf<'ConfirmPick'>, w: Warehouse): WarehouseEvent[] {
  const { orderId, lineId, bin, sku, quantity } = command;
  const pickedQuantity = command.pickedQuantity ?? quantity;
  const line = requireLine(w, orderId, lineId);
  if (line.sku !== sku) throw new UnknownAllocation(orderId, lineId, sku);
  requireBin(w, bin);
  requirePositive('quantity', quantity);
  requireWholeNumber('pickedQuantity', pickedQuantity);
  const held = bin === STAGING ? 0 : heldBy(line, bin);
  if (held === 0) throw new OverPick(orderId, lineId, bin, quantity, 0, 'bin not on the pick list');
  if (quantity > held) throw new OverPick(orderId, lineId, bin, quantity, held, 'more than allocated in the bin');
  if (pickedQuantity > quantity) throw new OverPick(orderId, lineId, bin, pickedQuantity, quantity, 'picked more than sent for');

  const picked: WarehouseEvent[] =
    pickedQuantity > 0 ? [{ type: 'warehouse.StockPicked', data: { orderId, lineId, sku, bin, quantity: pickedQuantity } }] : [];
  if (pickedQuantity === quantity) return picked;
  const shortQuantity = held - pickedQuantity;
  const { allocations, shortQuantity: unfilledQuantity } = chooseBins(applyEvents(w, picked), sku, shortQuantity, [bin]);
  return [
    ...picked,
    { type: 'warehouse.PickShorted', data: { orderId, lineId, sku, bin, shortQuantity, reallocations: allocations, unfilledQuantity } },
  ];
}

/**
 * Ships every unit the line has in STAGING, or at most `quantity` of them when given (what a transfer
 * booked as picked: a pick booked here after it left stays behind, and is given back by the release that
 * follows); a shipment dispatches a line once, so a retried dispatch changes nothing.
 */
export function dispatchStock(command: CommandOf<'DispatchStock'>, w: Warehouse): WarehouseEvent[] {
  const { orderId, lineId, shipmentId } = command;
  const line = requireLine(w, orderId, lineId);
  if (line.shipments.includes(shipmentId)) return [];
  if (command.quantity !== undefined) requirePositive('quantity', command.quantity);
  const staged = heldBy(line, STAGING);
  const quantity = command.quantity === undefined ? staged : Math.min(command.quantity, staged);
  if (quantity === 0) throw new NothingStaged(orderId, lineId);
  return [{ type: 'warehouse.StockDispatched', data: { orderId, lineId, sku: line.sku, quantity, shipmentId } }];
}

/**
 * Takes `quantity` units of the SKU that order lines hold in `bin` away from them (a count found the
 * bin short), newest allocation first, re-allocating each from other bins; what no bin covers is shorted.
 */
export function withdrawAllocations(w: Warehouse, bin: string, sku: string, quantity: number): WarehouseEvent[] {
  const lines = keyedValues(w.lines)
    .filter((line) => line.sku === sku && heldBy(line, bin) > 0)
    .sort((a, b) => b.sequence - a.sequence);
  const events: WarehouseEvent[] = [];
  let state = w;
  let remaining = quantity;
  for (const { orderId, lineId, bins } of lines) {
    if (remaining === 0) break;
    const taken = Math.min(own(bins, bin)!, remaining);
    const { allocations, shortQuantity } = chooseBins(state, sku, taken, [bin]);
    const decided: WarehouseEvent[] = [];
    if (allocations.length > 0) {
      decided.push({ type: 'warehouse.StockReallocated', data: { orderId, lineId, sku, fromBin: bin, quantity: totalOf(allocations), reallocations: allocations } });
    }
    if (shortQuantity > 0) decided.push({ type: 'warehouse.AllocationShorted', data: { orderId, lineId, sku, bin, quantity: shortQuantity } });
    events.push(...decided);
    state = applyEvents(state, decided);
    remaining -= taken;
  }
  return events;
}

/** The bins and quantities a line still has to pick, by bin code. */
export function toPick(line: LineAllocation): BinQuantity[] {
  return Object.entries(line.bins)
    .filter(([bin]) => bin !== STAGING)
    .map(([bin, quantity]) => ({ bin, quantity }))
    .sort((a, b) => compareCodes(a.bin, b.bin));
}

function requireLine(w: Warehouse, orderId: string, lineId: string): LineAllocation {
  const line = keyedGet(w.lines, lineKey(orderId, lineId));
  if (!line) throw new UnknownAllocation(orderId, lineId);
  return line;
}
