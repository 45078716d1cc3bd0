import { isValidEventType, type EventMetadata, type NewEvent } from '@bintrail/contracts';
import { DuplicateEventId, InvalidAppend } from './errors';
import type { AppendedPosition, ExpectedVersion } from './port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An event checked and completed (id, time, metadata, serialised data) before any adapter stores it. */
export interface PreparedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly category: string;
  readonly version: number;
  readonly occurredAt: Date;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  /** Canonical JSON of `data`, used to tell a retried append from a conflicting one. */
  readonly dataJson: string;
}

export interface PrepareContext {
  readonly newId: () => string;
  readonly now: () => Date;
  readonly source: string;
}

export function prepareAppend(
  streamId: unknown,
  events: readonly NewEvent[],
  expectedVersion: ExpectedVersion,
  context: PrepareContext,
): PreparedEvent[] {
  if (typeof streamId !== 'string' || streamId.trim() === '') {
    throw new InvalidAppend('streamId', 'must be a non-empty string');
  }
  if (streamId.length > 512) throw new InvalidAppend('streamId', 'must be at most 512 characters');
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidAppend('events', 'must contain at least one event');
  }
  if (
    typeof expectedVersion === 'number'
      ? !Number.isSafeInteger(expectedVersion) || expectedVersion < 0
      : !['any', 'no-stream', 'stream-exists'].includes(expectedVersion)
  ) {
    throw new InvalidAppend('expectedVersion', "must be 'any', 'no-stream', 'stream-exists' or a version >= 0");
  }
  const seen = new Set<string>();
  return events.map((event, index) => {
    const at = `events[${index}]`;
    if (!isValidEventType(event.type)) {
      throw new InvalidAppend(`${at}.type`, "must be '<category>.<EventName>', e.g. 'warehouse.StockPicked'");
    }
    const version = event.version ?? 1;
    if (!Number.isInteger(version) || version < 1) throw new InvalidAppend(`${at}.version`, 'must be an integer >= 1');
    const eventId = event.eventId ?? context.newId();
    if (!UUID.test(eventId)) throw new InvalidAppend(`${at}.eventId`, 'must be a UUID');
    const key = eventId.toLowerCase();
    if (seen.has(key)) throw new InvalidAppend(`${at}.eventId`, 'appears twice in one append');
    seen.add(key);
    const occurredAt = event.occurredAt ?? context.now();
    if (!(occurredAt instanceof Date) || Number.isNaN(occurredAt.getTime())) {
      throw new InvalidAppend(`${at}.occurredAt`, 'must be a valid Date');
    }
    const dataJson = toJson(event.data, `${at}.data`);
    const metadata: EventMetadata = {
      correlationId: event.metadata?.correlationId ?? eventId,
      causationId: event.metadata?.causationId ?? null,
      actor: event.metadata?.actor ?? 'system',
      source: event.metadata?.source ?? context.source,
    };
    return {
      eventId: key,
      type: event.type,
      category: event.type.slice(0, event.type.indexOf('.')),
      version,
      occurredAt,
      // A fresh copy on each read, so the caller's later mutations never reach the store.
      get data(): unknown {
        return JSON.parse(dataJson) as unknown;
      },
      metadata: { ...(event.metadata ?? {}), ...metadata },
      dataJson,
    };
  });
}

/** JSON text of a payload, refusing what JSON cannot carry faithfully (cycles, bigint, functions, undefined). */
function toJson(value: unknown, field: string): string {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    throw new InvalidAppend(field, 'must be a JSON value (object, array, string, number, boolean or null)');
  }
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') throw new TypeError('bigint is not JSON');
      if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError('NaN and Infinity are not JSON');
      return v;
    });
  } catch (error) {
    throw new InvalidAppend(field, `is not serialisable as JSON (${(error as Error).message})`);
  }
}

/** Compare stored data with a retried event's data, ignoring key order. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function checkExpectedVersion(expected: ExpectedVersion, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no-stream') return actual === 0;
  if (expected === 'stream-exists') return actual > 0;
  return expected === actual;
}

/** What an adapter found stored under the ids of an append (undefined where an id is new). */
export interface StoredCopy {
  readonly eventId: string;
  readonly streamId: string;
  readonly streamPosition: number;
  readonly globalPosition: number;
  readonly type: string;
  readonly data: unknown;
}

/**
 * The idempotent-append rule every adapter applies: a retry resends the same events, and they are
 * stored in this stream at consecutive positions; then their original positions are the answer.
 * Anything else reusing a stored id is refused with DuplicateEventId.
 */
export function retriedPositions(streamId: string, prepared: readonly PreparedEvent[], stored: readonly (StoredCopy | undefined)[]): AppendedPosition[] {
  const someStored = stored.find((e) => e !== undefined);
  if (someStored && stored.some((e) => e === undefined)) {
    throw new DuplicateEventId(someStored.eventId, 'is stored already, but this append also carries new events; a retry must resend the same events');
  }
  const first = stored[0];
  return prepared.map((event, i) => {
    const copy = stored[i];
    const fits =
      copy !== undefined &&
      first !== undefined &&
      copy.streamId === streamId &&
      copy.streamPosition === first.streamPosition + i &&
      copy.type === event.type &&
      sameJson(copy.data, event.data);
    if (!fits) {
      throw new DuplicateEventId(event.eventId, 'already stored with different content or position; a retry must resend the same events');
    }
    return { eventId: copy.eventId, streamPosition: copy.streamPosition, globalPosition: copy.globalPosition };
  });
}
