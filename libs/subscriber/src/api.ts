import type { NewEvent, RecordedEvent } from '@bintrail/contracts';
import type { EventStore, SqlExecutor } from '@bintrail/event-store';
import type { Logger } from '@bintrail/observability';

/**
 * Where a NEW consumer group starts. An existing group always resumes from its own checkpoint.
 * - `beginning`: the whole history of its event types (read from the event store, then live from Kafka);
 * - `live`: only events appended from now on;
 * - `{ position }`: from this global position (inclusive);
 * - `{ time }`: from the first event the store recorded at or after this time.
 */
export type StartFrom = 'beginning' | 'live' | { readonly position: number } | { readonly time: Date };

export interface SubscriberContext {
  /** The transaction the inbox row and the checkpoint commit in: write effects here and they happen exactly once. */
  readonly tx: SqlExecutor;
  /** Carries the event's correlation id. */
  readonly logger: Logger;
  /**
   * Appends this service's own events in `tx` (metadata: the handled event's correlation id, the handled
   * event's id as causation). Must come before any other write in `tx`, at most once per handled event
   * (the store's global order depends on the append being its transaction's first write). Returns the last
   * global position written.
   */
  readonly append: (streamId: string, events: readonly NewEvent[], expectedVersion?: number | 'no-stream' | 'any') => Promise<number>;
}

export interface Subscription<Type extends string = string> {
  /** The consumer group: its checkpoint, inbox rows and Kafka group (`<prefix>.<group>`) are named after it. */
  readonly group: string;
  /** Contract event types, e.g. `warehouse.StockPicked`. */
  readonly events: readonly Type[];
  readonly handle: (event: RecordedEvent<Type>, context: SubscriberContext) => Promise<void>;
  /** Where a NEW group starts (default 'beginning'); an existing group resumes from its checkpoint. */
  readonly from?: StartFrom;
  /** Attempts of a failing handler (default 5) before the event is dead-lettered with the reason. */
  readonly maxAttempts?: number;
  /** Wait before attempt n+1 (default 100 ms doubling, capped at 5 s). */
  readonly backoffMs?: (attempt: number) => number;
  /** Events read from the store per batch while catching up (default 200). */
  readonly batchSize?: number;
}

export interface SubscriberConfig {
  readonly databaseUrl: string;
  readonly schema: string;
  readonly kafkaBrokers: readonly string[];
  readonly topicPrefix?: string;
  readonly logger?: Logger;
  /** This service's name: the `source` (and default actor) of the events it appends, its Kafka client id. */
  readonly service: string;
  /** Partitions of the topics defineCategory creates (default 6). */
  readonly topicPartitions?: number;
  /**
   * At the handover, the Kafka consumer starts from messages this much older than the moment the store
   * was last read (covers clock skew between the relay's host and this one; default 5 minutes).
   */
  readonly handoverMarginMs?: number;
  /** How often the lag behind the store is measured for status() (default 1 s). */
  readonly lagPollMs?: number;
  /** How often a lagging subscription logs its status (default 30 s; 0 = never). */
  readonly statusLogIntervalMs?: number;
}

export interface SubscriberStatus {
  readonly group: string;
  /** `catching-up`: reading history from the event store; `live`: handed over to the Kafka topics. */
  readonly phase: 'catching-up' | 'live';
  /** Global position of the last event handled or passed over (in `live`: the highest one seen). */
  readonly position: number;
  /** Committed events of the group's types after `position` (capped at 100 000). */
  readonly lagEvents: number;
  /** Age of the oldest of those events, in seconds (0 when caught up). */
  readonly lagSeconds: number;
  /** Events handled by this process (successful handler calls). */
  readonly handled: number;
  /** Events this process dead-lettered (failing handler, invalid event). */
  readonly deadLettered: number;
}

export interface RunningSubscription {
  status(): SubscriberStatus;
  stop(): Promise<void>;
}

export interface SubscriberRuntime {
  /** The shared event store (to read, or append own events). */
  readonly store: EventStore;
  /** This service owns events `<category>.*`: creates `<prefix>.<category>.events` (+ .dlq) so the relay publishes them. */
  defineCategory(category: string): Promise<void>;
  subscribe<Type extends string>(subscription: Subscription<Type>): Promise<RunningSubscription>;
  close(): Promise<void>;
}
