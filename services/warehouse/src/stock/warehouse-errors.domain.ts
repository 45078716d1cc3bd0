import { CODE_PATTERN, freeIn, own, roomIn, STAGING, unitsIn, type Bin, type Warehouse } from './warehouse-model.domain';

/**
 * Why the warehouse refused a command. Each error carries a stable `code` and the fields a caller
 * needs to explain it; the HTTP and message edges map them once (to a status, to an error event).
 */
export abstract class WarehouseError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class WarehouseNotFound extends WarehouseError {
  readonly code = 'WarehouseNotFound';
  /** The stream knows no code before it is created: the edge that names the warehouse says which. */
  constructor(readonly warehouse?: string) {
    super(`${warehouse === undefined ? 'the warehouse' : `warehouse ${warehouse}`} does not exist yet (CreateWarehouse first)`);
  }
}

/** The warehouse books only SKUs the item master registered (it learns them from `inventory.ItemRegistered`). */
export class ItemNotRegistered extends WarehouseError {
  readonly code = 'ItemNotFound';
  constructor(readonly sku: string) {
    super(`item ${sku} is not registered in the item master`);
  }
}

export class WarehouseAlreadyExists extends WarehouseError {
  readonly code = 'WarehouseAlreadyExists';
  constructor(readonly warehouse: string) {
    super(`warehouse ${warehouse} already exists`);
  }
}

export class InvalidCode extends WarehouseError {
  readonly code = 'InvalidCode';
  readonly rule = String(CODE_PATTERN);
  constructor(
    readonly field: string,
    readonly value: string,
  ) {
    super(`${field} '${value}' must be upper-case letters and digits in dash-separated groups, like A-01-03`);
  }
}

export class InvalidQuantity extends WarehouseError {
  readonly code = 'InvalidQuantity';
  constructor(
    readonly field: string,
    readonly value: number,
    readonly rule: 'positive integer' | 'whole number',
  ) {
    super(`${field} must be a ${rule === 'positive integer' ? 'positive integer' : 'whole number, 0 or more'}, not ${value}`);
  }
}

export class BinAlreadyExists extends WarehouseError {
  readonly code = 'BinAlreadyExists';
  constructor(readonly bin: string) {
    super(`bin ${bin} already exists`);
  }
}

export class BinNotFound extends WarehouseError {
  readonly code = 'BinNotFound';
  constructor(readonly bin: string) {
    super(`bin ${bin} does not exist in this warehouse`);
  }
}

export class BinNotAllowed extends WarehouseError {
  readonly code = 'BinNotAllowed';
  constructor(
    readonly bin: string,
    readonly rule: string,
  ) {
    super(`bin ${bin} cannot be used here: ${rule}`);
  }
}

export class BinOverCapacity extends WarehouseError {
  readonly code = 'BinOverCapacity';
  constructor(
    readonly bin: string,
    readonly capacity: number,
    readonly wouldHold: number,
  ) {
    super(`bin ${bin} holds at most ${capacity} units; this would make it ${wouldHold}`);
  }
}

export class InsufficientStock extends WarehouseError {
  readonly code = 'InsufficientStock';
  constructor(
    readonly bin: string,
    readonly sku: string,
    readonly requested: number,
    readonly available: number,
  ) {
    super(`bin ${bin} has ${available} unallocated units of ${sku}, not ${requested}`);
  }
}

export class NoBinAvailable extends WarehouseError {
  readonly code = 'NoBinAvailable';
  constructor(
    readonly sku: string,
    readonly quantity: number,
  ) {
    super(`no storage bin can take ${quantity} units of ${sku}; name a bin to put them away to`);
  }
}

export class ReceiptConflict extends WarehouseError {
  readonly code = 'ReceiptConflict';
  constructor(
    readonly receiptId: string,
    readonly sku: string,
  ) {
    super(`receipt ${receiptId} already booked ${sku} with another quantity or bin`);
  }
}

export class AllocationConflict extends WarehouseError {
  readonly code = 'AllocationConflict';
  constructor(
    readonly orderId: string,
    readonly lineId: string,
  ) {
    super(`order ${orderId} line ${lineId} was already allocated here for another SKU or quantity`);
  }
}

export class UnknownAllocation extends WarehouseError {
  readonly code = 'UnknownAllocation';
  constructor(
    readonly orderId: string,
    readonly lineId: string,
    readonly sku?: string,
  ) {
    super(`order ${orderId} line ${lineId} has no allocation${sku === undefined ? '' : ` of ${sku}`} in this warehouse`);
  }
}

export class OverPick extends WarehouseError {
  readonly code = 'OverPick';
  constructor(
    readonly orderId: string,
    readonly lineId: string,
    readonly bin: string,
    readonly quantity: number,
    /** The most this confirmation may name: what the line holds in the bin, or what the picker was sent for. */
    readonly allowed: number,
    readonly rule: 'bin not on the pick list' | 'more than allocated in the bin' | 'picked more than sent for',
  ) {
    super(`order ${orderId} line ${lineId}, bin ${bin}: ${quantity} units is ${rule}${rule === 'bin not on the pick list' ? '' : ` (at most ${allowed})`}`);
  }
}

export class NothingStaged extends WarehouseError {
  readonly code = 'NothingStaged';
  constructor(
    readonly orderId: string,
    readonly lineId: string,
  ) {
    super(`order ${orderId} line ${lineId} has nothing picked to dispatch`);
  }
}

export function requireCode(field: string, value: string): void {
  if (!CODE_PATTERN.test(value)) throw new InvalidCode(field, value);
}

export function requirePositive(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidQuantity(field, value, 'positive integer');
}

export function requireWholeNumber(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidQuantity(field, value, 'whole number');
}

export function requireBin(w: Warehouse, code: string): Bin {
  const bin = own(w.bins, code);
  if (!bin) throw new BinNotFound(code);
  return bin;
}

/** STAGING only ever holds picked units: nothing is received, put away or moved into it. */
export function requireNotStaging(bin: string): void {
  if (bin === STAGING) throw new BinNotAllowed(bin, 'STAGING only takes picked units');
}

export function requireRoom(w: Warehouse, bin: string, quantity: number): void {
  if (roomIn(w, bin) < quantity) throw new BinOverCapacity(bin, w.bins[bin]!.capacity!, unitsIn(w, bin) + quantity);
}

export function requireFree(w: Warehouse, bin: string, sku: string, quantity: number): void {
  const free = freeIn(w, bin, sku);
  if (free < quantity) throw new InsufficientStock(bin, sku, quantity, free);
}
