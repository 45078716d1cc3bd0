/**
 * The envelope every Bintrail event carries, on the store and on the wire.
 * ERP integrators code against these field names: change them only with a new version.
 */
export interface EventMetadata {
  /** Ties together every event caused by one external request or message. */
  readonly correlationId: string;
  /** The event or command id that directly caused this event (null for an external request). */
  readonly causationId: string | null;
  /** Who did it: a user, an ERP system, or a service acting on its own. */
  readonly actor: string;
  /** Which service or adapter wrote the event. */
  readonly source: string;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  /** `<category>.<Name>`, e.g. `warehouse.StockPicked`. The category names the owning service. */
  readonly type: Type;
  /** Schema version of `data`; old versions are upcast on read, never rewritten. */
  readonly version: number;
  readonly eventId: string;
  readonly streamId: string;
  /** 1-based position inside its stream. */
  readonly streamPosition: number;
  /** Position in the store's global log; strictly increasing in the order readers see events. */
  readonly globalPosition: number;
  readonly occurredAt: Date;
  readonly data: Data;
  readonly metadata: EventMetadata;
}

/** An event about to be appended: the store assigns positions; ids and metadata may come from the caller. */
export interface NewEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly version?: number;
  /** Give one to make a retried append idempotent; generated otherwise. */
  readonly eventId?: string;
  readonly occurredAt?: Date;
  readonly metadata?: Partial<EventMetadata>;
}

const TYPE_PATTERN = /^([a-z][a-z0-9-]*)\.([A-Z][A-Za-z0-9]*)$/;

/** `warehouse.StockPicked` → `warehouse`; undefined when the type has no category prefix. */
export function categoryOfType(type: string): string | undefined {
  return TYPE_PATTERN.exec(type)?.[1];
}

export function isValidEventType(type: string): boolean {
  return TYPE_PATTERN.test(type);
}
