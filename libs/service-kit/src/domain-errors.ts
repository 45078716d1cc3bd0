import { Catch, HttpStatus, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';

/** An error a domain throws on purpose: a stable `code` (`InsufficientStock`) and the fields that explain it. */
export interface DomainError extends Error {
  readonly code: string;
}

/**
 * Every domain error code the HTTP edge knows, and its status: the one place where "refused by the
 * domain" becomes an HTTP answer. A code not listed here is not a domain error (pg and Node errors have
 * codes too); it stays a 500.
 */
export const DOMAIN_ERROR_STATUS: Readonly<Record<string, number>> = {
  // The request breaks a rule whatever the state: 400.
  InvalidQuantity: HttpStatus.BAD_REQUEST,
  InvalidCode: HttpStatus.BAD_REQUEST,
  InvalidOrder: HttpStatus.BAD_REQUEST,
  InvalidShippingCommand: HttpStatus.BAD_REQUEST,
  // Something named does not exist: 404.
  WarehouseNotFound: HttpStatus.NOT_FOUND,
  BinNotFound: HttpStatus.NOT_FOUND,
  ItemNotFound: HttpStatus.NOT_FOUND,
  UnknownAllocation: HttpStatus.NOT_FOUND,
  OrderNotFound: HttpStatus.NOT_FOUND,
  UnknownOrderLine: HttpStatus.NOT_FOUND,
  ShippingStreamNotFound: HttpStatus.NOT_FOUND,
  // The current state refuses it: 409.
  WarehouseAlreadyExists: HttpStatus.CONFLICT,
  BinAlreadyExists: HttpStatus.CONFLICT,
  BinNotAllowed: HttpStatus.CONFLICT,
  BinOverCapacity: HttpStatus.CONFLICT,
  InsufficientStock: HttpStatus.CONFLICT,
  NoBinAvailable: HttpStatus.CONFLICT,
  OverPick: HttpStatus.CONFLICT,
  NothingStaged: HttpStatus.CONFLICT,
  ReceiptConflict: HttpStatus.CONFLICT,
  AllocationConflict: HttpStatus.CONFLICT,
  OrderAlreadyPlaced: HttpStatus.CONFLICT,
  OrderNotCancellable: HttpStatus.CONFLICT,
  OrderNotShipped: HttpStatus.CONFLICT,
  InconsistentReport: HttpStatus.CONFLICT,
  ShippingAlreadyExists: HttpStatus.CONFLICT,
  ShippingWrongStatus: HttpStatus.CONFLICT,
  ShippingInconsistentReport: HttpStatus.CONFLICT,
};

const STATUS_TEXT: Readonly<Record<number, string>> = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict' };

/** The status of a domain error, or undefined when `error` is not one this edge knows. */
export function statusOfDomainError(error: unknown, table: Readonly<Record<string, number>> = DOMAIN_ERROR_STATUS): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as Partial<DomainError>).code;
  return typeof code === 'string' && Object.hasOwn(table, code) ? table[code] : undefined;
}

/**
 * The body of a refused request: `{ statusCode, error, code, message, ...the error's own fields }`,
 * so that a client sees which field or rule (`field`, `rule`, `bin`, `available` …) refused it.
 */
export function domainErrorBody(error: DomainError, status: number): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'code' && key !== 'name' && key !== 'message' && key !== 'stack' && value !== undefined) details[key] = value;
  }
  return { statusCode: status, error: STATUS_TEXT[status] ?? 'Error', code: error.code, message: error.message, ...details };
}

/**
 * Maps domain errors (anything with a `code` listed in DOMAIN_ERROR_STATUS) to their HTTP answer;
 * everything else goes on to Nest's default handling (HttpExceptions as they are, the rest 500).
 *
 * Per controller: `@UseFilters(DomainErrorFilter)`. For the whole app:
 * `app.useGlobalFilters(new DomainErrorFilter(app.getHttpAdapter()))`.
 */
@Catch()
export class DomainErrorFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const status = statusOfDomainError(exception);
    const adapter = this.applicationRef ?? this.httpAdapterHost?.httpAdapter;
    if (status === undefined || adapter === undefined || host.getType() !== 'http') {
      super.catch(exception, host);
      return;
    }
    const response: unknown = host.switchToHttp().getResponse();
    if (adapter.isHeadersSent(response)) adapter.end(response);
    else adapter.reply(response, domainErrorBody(exception as DomainError, status), status);
  }
}
