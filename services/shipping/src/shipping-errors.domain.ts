/**
 * Why a shipping stream refused a command. Each error carries a stable `code` and the fields a caller
 * needs to explain it; the HTTP and message edges map them once (to a status, to a dead letter).
 */
export abstract class ShippingError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type StreamKind = 'shipment' | 'expected receipt' | 'transfer';

/** The command names a shipment, ASN or transfer whose stream holds nothing yet. */
export class ShippingStreamNotFound extends ShippingError {
  readonly code = 'ShippingStreamNotFound';
  constructor(
    readonly kind: StreamKind,
    readonly id: string,
  ) {
    super(`${kind} ${id} does not exist`);
  }
}

/** The same id was opened, registered or requested before with other content (the same content again is a retry and changes nothing). */
export class AlreadyExists extends ShippingError {
  readonly code = 'ShippingAlreadyExists';
  constructor(
    readonly kind: StreamKind,
    readonly id: string,
  ) {
    super(`${kind} ${id} already exists with other content`);
  }
}

/** A SKU the item master never registered (404, as elsewhere). */
export class ItemNotFound extends ShippingError {
  readonly code = 'ItemNotFound';
  constructor(readonly sku: string) {
    super(`item ${sku} is not registered (PUT /items/${sku} registers it)`);
  }
}

/** A warehouse that was never created (404, as elsewhere). */
export class WarehouseNotFound extends ShippingError {
  readonly code = 'WarehouseNotFound';
  constructor(readonly warehouse: string) {
    super(`warehouse ${warehouse} does not exist`);
  }
}

export class InvalidShippingCommand extends ShippingError {
  readonly code = 'InvalidShippingCommand';
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
  }
}

export class InvalidQuantity extends ShippingError {
  readonly code = 'InvalidQuantity';
  constructor(
    readonly field: string,
    readonly value: number,
    readonly rule: 'positive integer' | 'whole number',
  ) {
    super(`${field} must be a ${rule === 'positive integer' ? 'positive integer' : 'whole number, 0 or more'}, not ${value}`);
  }
}

/** The stream is not at the step the command needs (deliver before dispatch, receive a transfer twice, pick after dispatch …). */
export class WrongStatus extends ShippingError {
  readonly code = 'ShippingWrongStatus';
  constructor(
    readonly kind: StreamKind,
    readonly id: string,
    readonly status: string,
    readonly rule: string,
  ) {
    super(`${kind} ${id} is ${status}: ${rule}`);
  }
}

/** A report from the warehouse that does not fit the stream (more picked than requested, one receipt line with two quantities): a bug or a forged message. */
export class InconsistentReport extends ShippingError {
  readonly code = 'ShippingInconsistentReport';
  constructor(
    readonly kind: StreamKind,
    readonly id: string,
    readonly rule: string,
  ) {
    super(`${kind} ${id}: ${rule}`);
  }
}

export function requirePositive(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidQuantity(field, value, 'positive integer');
}

export function requireWholeNumber(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidQuantity(field, value, 'whole number');
}

/** Blank is empty: a carrier of '  ' names no carrier. */
export function requireText(field: string, value: string): void {
  if (typeof value !== 'string' || value.trim().length === 0) throw new InvalidShippingCommand(field, 'must not be empty');
}

export function requireUnique(field: string, values: readonly string[]): void {
  if (new Set(values).size !== values.length) throw new InvalidShippingCommand(field, 'must not repeat');
}

export function requireSome(field: string, values: readonly unknown[]): void {
  if (values.length === 0) throw new InvalidShippingCommand(field, 'must name at least one line');
}

/** Commands are plain JSON: the same content is the same command, whatever the key order it was built in. */
export const sameContent = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
