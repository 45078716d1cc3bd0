import type { EventMetadata, RecordedEvent } from '@bintrail/contracts';
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  jsonEvent,
  type AppendStreamState,
  type CurrentStreamState,
  type EventData,
  type JSONEventType,
  type JSONType,
  type Position,
  type RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import type { ExpectedVersion } from '../port';
import type { PreparedEvent } from '../validation';

/**
 * The store cannot give an event a global position it can stand behind (no log position returned,
 * an event written in a legacy explicit transaction, or a log larger than 2^53 bytes).
 */
export class KurrentDbPositionUnavailable extends Error {
  override readonly name = 'KurrentDbPositionUnavailable';
  constructor(
    readonly streamId: string,
    readonly eventId: string,
    readonly reason: string,
  ) {
    super(`event ${eventId} in stream ${streamId}: ${reason}`);
  }
}

type StoredEventType = JSONEventType<string, JSONType, Record<string, unknown>>;

/** Our versions count events (1-based positions); KurrentDB revisions are 0-based event numbers. */
export function toStreamState(expected: ExpectedVersion): AppendStreamState {
  if (expected === 'any') return ANY;
  if (expected === 'no-stream') return NO_STREAM;
  if (expected === 'stream-exists') return STREAM_EXISTS;
  return expected === 0 ? NO_STREAM : BigInt(expected - 1);
}

/** KurrentDB's current stream state as our version (number of events; 0 = no stream). */
export function versionOf(state: CurrentStreamState): number {
  return state === NO_STREAM ? 0 : Number(state) + 1;
}

/**
 * Our envelope in KurrentDB terms: event id and type as they are, data as JSON, and custom metadata
 * carrying the envelope metadata plus the schema `version` and `occurredAt` (KurrentDB's own
 * `created` is when the server recorded the event, not when it happened).
 */
export function toEventData(event: PreparedEvent): EventData<StoredEventType> {
  return jsonEvent<StoredEventType>({
    id: event.eventId,
    type: event.type,
    // Any JSON value (prepareAppend checked it); the client JSON.stringify's it, so numbers and null round-trip too.
    data: event.data as JSONType,
    metadata: { ...event.metadata, version: event.version, occurredAt: event.occurredAt.toISOString() },
  });
}

/**
 * Global position = the event's commit position in the transaction log (a byte offset: increasing in
 * $all order, but NOT contiguous). Events written through the gRPC API commit themselves (implicit
 * transactions), so for them commit == prepare == the record's own log position, both in $all and in
 * stream reads. That equality is what lets us turn the number back into a read position
 * `{ commit: p, prepare: p }`; we refuse events where it does not hold instead of handing out a
 * position that two events share.
 */
export function globalPositionOf(event: Pick<KurrentRecordedEvent, 'streamId' | 'id' | 'position'>): number {
  const position: Position | undefined = event.position;
  if (!position) {
    throw new KurrentDbPositionUnavailable(event.streamId, event.id, 'the server returned no log position (KurrentDB / EventStoreDB >= 22.6 required)');
  }
  if (position.commit !== position.prepare) {
    throw new KurrentDbPositionUnavailable(event.streamId, event.id, 'written in an explicit transaction (commit != prepare position): not supported');
  }
  if (position.commit < 0n || position.commit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new KurrentDbPositionUnavailable(event.streamId, event.id, `log position ${position.commit} is not a safe integer`);
  }
  return Number(position.commit);
}

/** Events the server writes for itself: `$`-types (metadata, links, stats) and `$`-streams. */
export function isSystemEvent(event: Pick<KurrentRecordedEvent, 'type' | 'streamId'>): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

/** `warehouse.StockPicked` → `warehouse` (the whole type when it has no dot). */
export function categoryOf(type: string): string {
  const dot = type.indexOf('.');
  return dot < 0 ? type : type.slice(0, dot);
}

export function toRecorded(event: KurrentRecordedEvent): RecordedEvent {
  const stored = isPlainObject(event.metadata) ? event.metadata : {};
  const { version, occurredAt, ...rest } = stored;
  const eventId = event.id.toLowerCase();
  const occurred = typeof occurredAt === 'string' ? new Date(occurredAt) : undefined;
  const metadata: EventMetadata = {
    ...rest,
    correlationId: typeof rest.correlationId === 'string' ? rest.correlationId : eventId,
    causationId: typeof rest.causationId === 'string' ? rest.causationId : null,
    actor: typeof rest.actor === 'string' ? rest.actor : 'unknown',
    source: typeof rest.source === 'string' ? rest.source : 'kurrentdb',
  };
  return {
    type: event.type,
    version: typeof version === 'number' && Number.isInteger(version) && version >= 1 ? version : 1,
    eventId,
    streamId: event.streamId,
    streamPosition: Number(event.revision) + 1,
    globalPosition: globalPositionOf(event),
    occurredAt: occurred && !Number.isNaN(occurred.getTime()) ? occurred : event.created,
    data: event.data,
    metadata,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array);
}
