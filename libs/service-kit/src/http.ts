import { randomUUID } from 'node:crypto';

/** Every command's response names the global position of the last event it caused (read-your-writes). */
export const POSITION_HEADER = 'bintrail-position';
/** Ties log lines and events of one request together; taken from the caller when given. */
export const CORRELATION_HEADER = 'x-correlation-id';

export function correlationIdOf(headers: Record<string, string | string[] | undefined>): string {
  const given = headers[CORRELATION_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : randomUUID();
}
