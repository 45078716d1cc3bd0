import type { ErpCommand, ErpCommandAccepted, ErpCommandRejected } from '@bintrail/contracts';

/** The platform HTTP request a command maps to: the public API, nothing else. */
export interface PlatformRequest {
  readonly method: 'PUT' | 'POST';
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** The platform's answer as the gateway needs it. */
export interface PlatformAnswer {
  readonly status: number;
  readonly body: unknown;
  /** The `bintrail-position` header, when the command caused events. */
  readonly position: number | null;
  /** The platform gave the stored answer of an earlier request with the same Idempotency-Key (nothing ran again). */
  readonly replayed?: boolean;
}

/** Each command as the HTTP request the platform's API documents for it (the payload is the body, less the ids in the path). */
export function requestFor(command: ErpCommand): PlatformRequest {
  switch (command.type) {
    case 'UpsertItem': {
      const { sku, ...body } = command.payload;
      return { method: 'PUT', path: `/items/${encodeURIComponent(sku)}`, body };
    }
    case 'PlaceSalesOrder':
      return { method: 'POST', path: '/orders', body: command.payload };
    case 'RegisterExpectedReceipt':
      return { method: 'POST', path: '/expected-receipts', body: command.payload };
    case 'CancelOrder': {
      const { orderId, ...body } = command.payload;
      return { method: 'POST', path: `/orders/${encodeURIComponent(orderId)}/cancel`, body };
    }
    case 'RequestTransfer':
      return { method: 'POST', path: '/transfers', body: command.payload };
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/** 5xx, and the timing answers the idempotency layer does not keep (408, 425, 429): try again later, never reject. */
export function isTransient(status: number): boolean {
  return status >= 500 || status === 408 || status === 425 || status === 429;
}

type Body = Record<string, unknown>;
const asBody = (body: unknown): Body => (body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Body) : {});

/** The ids (and the little else an ERP needs) of a successful answer: the reply's `result`. */
export function resultOf(command: ErpCommand, body: unknown): Record<string, unknown> {
  const b = asBody(body);
  const pick = (...keys: string[]): Body => Object.fromEntries(keys.filter((k) => b[k] !== undefined).map((k) => [k, b[k]]));
  switch (command.type) {
    case 'UpsertItem':
      return pick('sku', 'revision', 'changed');
    case 'PlaceSalesOrder': {
      const lines = Array.isArray(b.lines) ? (b.lines as Body[]) : [];
      return { ...pick('orderId', 'status', 'customerRef'), lineIds: lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity })) };
    }
    case 'RegisterExpectedReceipt':
      return pick('asnId', 'warehouse', 'status');
    case 'CancelOrder':
      return pick('orderId', 'status');
    case 'RequestTransfer':
      return pick('transferId', 'status');
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/** The API's refusal messages: `message` is a string, or one string per field (the ValidationPipe's). */
export function refusalMessages(status: number, body: unknown): string[] {
  const message = asBody(body).message;
  const messages = Array.isArray(message) ? message.map(String) : typeof message === 'string' ? [message] : [];
  return messages.length > 0 ? messages : [`the platform refused the command with HTTP ${status}`];
}

/** The reply to a command the platform answered definitively (2xx accepted, 4xx rejected). */
export function replyFor(command: ErpCommand, answer: PlatformAnswer): ErpCommandAccepted | ErpCommandRejected {
  const base = { correlationId: command.correlationId, idempotencyKey: command.idempotencyKey, commandType: command.type };
  if (answer.status >= 200 && answer.status < 300) {
    return { ...base, status: 'accepted', result: resultOf(command, answer.body), position: answer.position };
  }
  const errors = refusalMessages(answer.status, answer.body);
  const code = asBody(answer.body).code;
  return { ...base, status: 'rejected', reason: errors.join('; '), errors, ...(typeof code === 'string' ? { code } : {}) };
}
