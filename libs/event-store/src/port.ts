import type { NewEvent, RecordedEvent } from '@bintrail/contracts';

/**
 * What the caller believes the stream's version is (version = number of events in the stream):
 * - `any`: no check;
 * - `no-stream`: the stream must not exist yet;
 * - `stream-exists`: it must have at least one event;
 * - a number: exactly that many events.
 */
export type ExpectedVersion = 'any' | 'no-stream' | 'stream-exists' | number;

export interface AppendOptions {
  readonly expectedVersion?: ExpectedVersion;
}

export interface AppendedPosition {
  readonly eventId: string;
  readonly streamPosition: number;
  readonly globalPosition: number;
}

export interface AppendResult {
  /** The stream's version after the append: pass it as expectedVersion next time. */
  readonly nextExpectedVersion: number;
  readonly positions: readonly AppendedPosition[];
  /** True when every event id was already stored at these positions: nothing was written. */
  readonly alreadyStored: boolean;
}

export interface ReadStreamOptions {
  /** First stream position to return (inclusive; forwards default 1, backwards default the last). */
  readonly from?: number;
  /** Last stream position to return (inclusive). */
  readonly to?: number;
  readonly direction?: 'forwards' | 'backwards';
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** First global position to return (inclusive, default the start of the log). */
  readonly fromGlobalPosition?: number;
  readonly maxCount?: number;
  /** Only events whose type's category is one of these (e.g. `['warehouse']`). */
  readonly categories?: readonly string[];
}

export interface SubscribeOptions {
  /** Last global position already handled; delivery starts after it (0 or absent = from the start). */
  readonly fromCheckpoint?: number;
  readonly categories?: readonly string[];
  readonly batchSize?: number;
}

export type EventHandler = (event: RecordedEvent) => Promise<void> | void;

export interface Subscription {
  /** Stops after the handler call in flight; resolves once stopped. */
  stop(): Promise<void>;
  /** Resolves when stopped, rejects with the handler's error if the handler throws. */
  readonly done: Promise<void>;
  /** Global position of the last event handled. */
  readonly checkpoint: number;
}

/**
 * An event already in its wire form: the whole envelope as JSON text (what `JSON.stringify` of the
 * RecordedEvent gives, `occurredAt` as an ISO string), with the fields a publisher puts in headers.
 */
export interface SerializedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly version: number;
  readonly streamId: string;
  readonly globalPosition: number;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly json: string;
}

/**
 * Reads events stored at an old version in a newer shape (upcasting on read; the stored rows never change).
 * `UpcasterRegistry` of @bintrail/contracts is one. `appliesTo` is asked per event read, so it must be cheap;
 * an event it does not apply to is returned as read, at no other cost.
 */
export interface EventUpcast {
  appliesTo(type: string, version: number): boolean;
  upcast(event: RecordedEvent): RecordedEvent;
}

/** The source of truth. Every adapter passes the same contract suite (`@bintrail/event-store/testing`). */
export interface EventStore {
  appendToStream(streamId: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Events of the global log in global order. Never returns an event while an earlier
   * position could still appear (a concurrent transaction not yet committed).
   */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Optional fast path for publishers (the relay): `readAll`'s events already serialised by the
   * store, sparing a parse and a stringify per event. Same order and visibility rule as `readAll`.
   */
  readAllSerialized?(options?: ReadAllOptions): Promise<SerializedEvent[]>;
  /**
   * Optional: how many times this store has signalled appends so far (its own, and on a server other processes'
   * as they are announced). A read of the log begun after the count reached N sees every append signalled up to
   * N (subject to the rule above). Lets readers that share one read of the log tell whether what they hold is
   * recent enough without asking the store again.
   */
  readonly appendsNotified?: number;
  /** Catch-up subscription: reads from the checkpoint, then follows live appends. */
  subscribeToAll(options: SubscribeOptions, handler: EventHandler): Subscription;
  close(): Promise<void>;
}
