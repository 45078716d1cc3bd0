import { ATTEMPT_SEPARATOR } from './order-model.domain';

/**
 * Why the order stream refused a command. Each error carries a stable `code` and the fields a caller
 * needs to explain it; the HTTP and message edges map them once (to a status, to a dead letter).
 */
export abstract class OrderError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class OrderNotFound extends OrderError {
  readonly code = 'OrderNotFound';
  constructor() {
    super('the order does not exist (PlaceOrder first)');
  }
}

export class OrderAlreadyPlaced extends OrderError {
  readonly code = 'OrderAlreadyPlaced';
  constructor(readonly orderId: string) {
    super(`order ${orderId} was already placed with other lines, warehouses or customer`);
  }
}

export class InvalidOrder extends OrderError {
  readonly code = 'InvalidOrder';
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
  }
}

export class InvalidQuantity extends OrderError {
  readonly code = 'InvalidQuantity';
  constructor(
    readonly field: string,
    readonly value: number,
  ) {
    super(`${field} must be a positive integer, not ${value}`);
  }
}

export class UnknownOrderLine extends OrderError {
  readonly code = 'UnknownOrderLine';
  constructor(
    readonly orderId: string,
    readonly lineId: string,
    readonly attempt?: number,
  ) {
    super(`order ${orderId} has no line ${lineId}${attempt === undefined ? '' : ` allocation attempt ${attempt}`}`);
  }
}

/** A warehouse report that does not fit what the order asked of it: a bug or a forged message, never something to book. */
export class InconsistentReport extends OrderError {
  readonly code = 'InconsistentReport';
  constructor(
    readonly orderId: string,
    readonly lineId: string,
    readonly attempt: number,
    readonly rule: string,
  ) {
    super(`order ${orderId} line ${lineId} attempt ${attempt}: ${rule}`);
  }
}

export class OrderNotCancellable extends OrderError {
  readonly code = 'OrderNotCancellable';
  constructor(readonly orderId: string) {
    super(`order ${orderId} has units dispatched already; it can no longer be cancelled`);
  }
}

export class OrderNotShipped extends OrderError {
  readonly code = 'OrderNotShipped';
  constructor(readonly orderId: string) {
    super(`order ${orderId} is not shipped (or is cancelled): it cannot be delivered`);
  }
}

export function requirePositive(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidQuantity(field, value);
}

export function requireId(field: string, value: string): void {
  if (value.length === 0) throw new InvalidOrder(field, 'must not be empty');
  if (value.includes(ATTEMPT_SEPARATOR)) throw new InvalidOrder(field, `must not contain '${ATTEMPT_SEPARATOR}' (it separates the allocation attempt)`);
}

export function requireUnique(field: string, values: readonly string[]): void {
  if (new Set(values).size !== values.length) throw new InvalidOrder(field, 'must not repeat');
}
